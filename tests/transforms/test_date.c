/* test_date.c — the `date` transform through the real host: every accepted format, the
 * slashed-date order (declared and detected), detection vs declared columns, missing and
 * unparseable values (counted and recorded), keep, parts, options and errors.
 *
 *     ./test_date path/to/date.so
 */
#include "check.h"
#include "harness.h"

static const xp_column *need(const xp_frame *f, const char *name)
{
    const xp_column *c = frame_find(f, name);
    if (!c) fprintf(stderr, "no column %s\n", name);
    CHECK(c != NULL);
    return c;
}

/* Each format -> its days since 1970-01-01 (checked by hand: 2024-03-01 is day 19783, a
 * Friday; 1998-06-12 is day 10389, a Friday). */
static void test_formats(const char *so)
{
    static const struct { const char *text; double days; double year, month, weekday; } cases[] = {
        { "2024-03-01", 19783, 2024, 3, 4 },
        { " 2024/03/01 ", 19783, 2024, 3, 4 },
        { "2024-03-01T12:00", 19783.5, 2024, 3, 4 },
        { "2024-03-01 06:00:00.5Z", 19783.25 + 0.5 / 86400, 2024, 3, 4 },
        { "2024-03-01T12:00+02:00", 19783 + 10.0 / 24, 2024, 3, 4 },
        { "03/01/2024", 19783, 2024, 3, 4 },            /* mdy: no first part > 12 */
        { "Jun 12 1998", 10389, 1998, 6, 4 },
        { "June 12, 1998", 10389, 1998, 6, 4 },
        { "12 Jun 1998", 10389, 1998, 6, 4 },
        { "12-jun-1998", 10389, 1998, 6, 4 },
        { "Sept 1 2000", 11201, 2000, 9, 4 },
        { "1969-12-31", -1, 1969, 12, 2 },              /* before the epoch: a Wednesday */
        { "2000-02-29", 11016, 2000, 2, 1 },            /* leap day */
    };
    enum { N = sizeof cases / sizeof cases[0] };
    const char *text[N + 4];
    for (size_t i = 0; i < N; i++) text[i] = cases[i].text;
    text[N] = NULL;                 /* missing */
    text[N + 1] = "2023-02-29";     /* no such day */
    text[N + 2] = "soon";           /* not a date */
    text[N + 3] = "2024-13-01";     /* no such month */
    txh h;
    if (txh_open(&h, so, "date")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, "columns: [d]\n"), XP_OK);
    CHECK_EQ_INT(h.unused, 0);
    xp_frame *f = frame_new(N + 4);
    fr_text(f, "d", text);
    double y[N + 4] = { 0 };
    fr_num(f, "target", XP_ROLE_TARGET, y);
    CHECK_EQ_INT(txh_fit_apply(&h, f), XP_OK);
    CHECK(frame_find(f, "d") == NULL);   /* replaced */
    const xp_column *days = need(f, "d_days"), *year = need(f, "d_year"), *month = need(f, "d_month"),
                    *wd = need(f, "d_weekday");
    if (days && year && month && wd) {
        for (size_t i = 0; i < N; i++) {
            if (fabs(days->num[i] - cases[i].days) > 1e-9)
                fprintf(stderr, "%s: days %.9g, expected %.9g\n", cases[i].text, days->num[i], cases[i].days);
            CHECK_NEAR(days->num[i], cases[i].days, 1e-9);
            CHECK_NEAR(year->num[i], cases[i].year, 0);
            CHECK_NEAR(month->num[i], cases[i].month, 0);
            CHECK_NEAR(wd->num[i], cases[i].weekday, 0);
        }
        for (size_t i = N; i < N + 4; i++)
            CHECK(isnan(days->num[i]) && isnan(year->num[i]) && isnan(month->num[i]) && isnan(wd->num[i]));
    }
    /* Some values have times: _hour too (UTC where an offset is given), 0 for a bare date. */
    const xp_column *hour = need(f, "d_hour");
    if (hour) {
        CHECK_NEAR(hour->num[0], 0, 1e-9);
        CHECK_NEAR(hour->num[2], 12, 1e-9);
        CHECK_NEAR(hour->num[3], 6 + 0.5 / 3600, 1e-9);
        CHECK_NEAR(hour->num[4], 10, 1e-9);
        CHECK_NEAR(hour->num[11], 0, 1e-9);   /* 1969-12-31: before the epoch, still 0 */
        CHECK(isnan(hour->num[N]) && isnan(hour->num[N + 2]));
    }
    /* Counted and recorded: 16 present, 13 real days (2023-02-29 and 2024-13-01 have the
     * form of a date but are no day; "soon" is none). */
    char *json = txh_record(&h, "date");
    CHECK(json != NULL);
    if (json) {
        CHECK_CONTAINS(json, "\"column\": \"d\"");
        CHECK_CONTAINS(json, "\"present\": 16");
        CHECK_CONTAINS(json, "\"unparseable\": 3");
        CHECK_CONTAINS(json, "\"slashed_order\": \"mdy\"");
    }
    free(json);
    frame_free(f);
    txh_close(&h);
}

/* Detection: only text/categorical feature columns whose values are dates; order: auto
 * turns day/month/year when a first part is > 12; keep: true leaves the column. */
static void test_detect(const char *so)
{
    txh h;
    if (txh_open(&h, so, "date")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, "keep: true\n"), XP_OK);
    xp_frame *f = frame_new(4);
    fr_text(f, "title", (const char *const[]){ "Jaws", "Alien", "Heat", "Up" });
    fr_cat(f, "when", (const char *const[]){ "13/01/2024", "02/03/2024", NULL, "01/01/2024" });
    fr_text(f, "half", (const char *const[]){ "2024-01-01", "x", "y", "z" });   /* 1 of 4 */
    double y[4] = { 1, 2, 3, 4 };
    fr_num(f, "target", XP_ROLE_TARGET, y);
    CHECK_EQ_INT(txh_fit_apply(&h, f), XP_OK);
    CHECK(frame_find(f, "when_hour") == NULL);   /* dates without times: no _hour */
    CHECK(frame_find(f, "title_days") == NULL);
    CHECK(frame_find(f, "half_days") == NULL);
    CHECK(frame_find(f, "when") != NULL);   /* keep */
    const xp_column *days = need(f, "when_days"), *month = need(f, "when_month");
    if (days && month) {
        CHECK_NEAR(days->num[0], 19735, 0);   /* 13 Jan 2024 */
        CHECK_NEAR(month->num[1], 3, 0);      /* 02/03 read as 2 March */
        CHECK(isnan(days->num[2]));
        CHECK_NEAR(days->num[3], 19723, 0);
    }
    frame_free(f);

    /* order: mdy declared: 13/01/2024 is then no day. */
    CHECK_EQ_INT(txh_create(&h, "order: mdy\ncolumns: [\"wh*\"]\n"), XP_OK);
    f = frame_new(2);
    fr_text(f, "when", (const char *const[]){ "13/01/2024", "02/03/2024" });
    fr_num(f, "target", XP_ROLE_TARGET, y);
    CHECK_EQ_INT(txh_fit_apply(&h, f), XP_OK);
    days = need(f, "when_days");
    if (days) {
        CHECK(isnan(days->num[0]));
        CHECK_NEAR(days->num[1], 19756, 0);   /* 3 Feb 2024 */
    }
    frame_free(f);
    txh_close(&h);
}

/* parts: only the listed features are made, in the usual order, with the usual values; the
 * others are not columns at all. */
static void test_parts(const char *so)
{
    txh h;
    if (txh_open(&h, so, "date")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, "columns: [d]\nparts: [days, year]\n"), XP_OK);
    xp_frame *f = frame_new(3);
    fr_text(f, "d", (const char *const[]){ "2024-03-01", NULL, "soon" });
    double y[3] = { 0 };
    fr_num(f, "target", XP_ROLE_TARGET, y);
    CHECK_EQ_INT(txh_fit_apply(&h, f), XP_OK);
    const xp_column *days = need(f, "d_days"), *year = need(f, "d_year");
    CHECK(frame_find(f, "d_month") == NULL && frame_find(f, "d_weekday") == NULL && frame_find(f, "d") == NULL);
    if (days && year) {
        CHECK_NEAR(days->num[0], 19783, 0);
        CHECK_NEAR(year->num[0], 2024, 0);
        CHECK(isnan(days->num[1]) && isnan(year->num[1]) && isnan(days->num[2]) && isnan(year->num[2]));
    }
    frame_free(f);
    /* parts: [hour] alone, listed: made even for a bare date (0), the clock read as written. */
    CHECK_EQ_INT(txh_create(&h, "columns: [d]\nparts: [hour]\n"), XP_OK);
    f = frame_new(3);
    fr_text(f, "d", (const char *const[]){ "2024-03-01", "2024-03-01 23:30", "2024-03-01T05:00-03:00" });
    fr_num(f, "target", XP_ROLE_TARGET, y);
    CHECK_EQ_INT(txh_fit_apply(&h, f), XP_OK);
    const xp_column *hour = need(f, "d_hour");
    CHECK(frame_find(f, "d_days") == NULL && frame_find(f, "d_year") == NULL);
    if (hour) {
        CHECK_NEAR(hour->num[0], 0, 1e-9);
        CHECK_NEAR(hour->num[1], 23.5, 1e-9);
        CHECK_NEAR(hour->num[2], 8, 1e-9);     /* 05:00 at -03:00 is 08:00 UTC */
    }
    frame_free(f);
    /* Not a part, an empty list, not a list. */
    CHECK_EQ_INT(txh_create(&h, "parts: [year, minute]\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "'minute' is none of year, month, weekday, days, hour");
    CHECK_EQ_INT(txh_create(&h, "parts: []\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "parts");
    CHECK_EQ_INT(txh_create(&h, "parts: year\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "parts");
    txh_close(&h);
}

static void test_errors(const char *so)
{
    txh h;
    if (txh_open(&h, so, "date")) { CHECK(0); return; }
    CHECK_EQ_INT(txh_create(&h, "min_match: 0\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "min_match");
    CHECK_EQ_INT(txh_create(&h, "order: ymd\n"), XP_ECONFIG);
    CHECK_CONTAINS(h.call.msg, "order");
    CHECK_EQ_INT(txh_create(&h, "columns: [released]\n"), XP_OK);
    xp_frame *f = frame_new(1);
    fr_text(f, "title", (const char *const[]){ "x" });
    CHECK_EQ_INT(txh_fit(&h, f), XP_ENOTFOUND);
    CHECK_CONTAINS(h.call.msg, "released");
    frame_free(f);
    /* A column that holds the new names already. */
    CHECK_EQ_INT(txh_create(&h, "columns: [d]\n"), XP_OK);
    f = frame_new(1);
    fr_text(f, "d", (const char *const[]){ "2024-01-01" });
    double z[1] = { 0 };
    fr_num(f, "d_year", XP_ROLE_FEATURE, z);
    CHECK_EQ_INT(txh_fit_apply(&h, f), XP_EINVAL);
    CHECK_CONTAINS(h.call.msg, "d_year");
    frame_free(f);
    txh_close(&h);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s date.so\n", argv[0]);
        return 2;
    }
    test_formats(argv[1]);
    test_detect(argv[1]);
    test_parts(argv[1]);
    test_errors(argv[1]);
    return check_done();
}
