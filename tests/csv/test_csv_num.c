/* test_csv_num.c — the CSV loader's number recognizer and converter against strtod.
 *
 *     meson test -C build csv_num        (or: ./build/tests/csv/test_csv_num [count])
 *
 * csv_num_value must return exactly strtod's double (compared bit for bit) for every text
 * csv_num_scan accepts: edge cases, a million random decimal strings of all shapes, and
 * random doubles printed in several formats. csv_num_scan must reject what is not a number.
 */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "csv.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(void)   /* splitmix64: deterministic, so failures reproduce */
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static unsigned rnd_below(unsigned n) { return (unsigned)(rnd() % n); }

static long n_fast_mismatch = 0, n_checked = 0;

/* The loader's buffer has CSV_NUM_PAD bytes after every field; give tested text the same
 * (digits, so reading past the end would show up as wrong values), in a heap block of
 * exactly that size so that AddressSanitizer catches any read beyond it. */
static char *pad_buf;

static const char *padded(const char *s)
{
    size_t n = strlen(s);
    free(pad_buf);
    pad_buf = malloc(n + 1 + CSV_NUM_PAD);
    if (!pad_buf) abort();
    memcpy(pad_buf, s, n);
    pad_buf[n] = '\0';
    memset(pad_buf + n + 1, '7', CSV_NUM_PAD);
    return pad_buf;
}

/* Converts s both ways; records a failure (printing the text) when the bits differ. */
static void same_as_strtod(const char *text)
{
    const char *s = padded(text);
    csv_num num;
    size_t n = strlen(s);
    if (!csv_num_scan(s, n, &num)) {
        CHECK(!"scan rejected a valid number");
        fprintf(stderr, "  text: \"%s\"\n", s);
        return;
    }
    double a = csv_num_value(s, n, &num);
    /* The tokenizer's entry point must agree and stop exactly at n, even with digits
     * right after the text (no NUL; exactly CSV_NUM_PAD readable bytes). */
    char *raw = malloc(n + CSV_NUM_PAD);
    if (!raw) abort();
    memcpy(raw, s, n);
    memset(raw + n, '7', CSV_NUM_PAD);
    double r = 0;
    int is_int = -1;
    const char *q = csv_num_read(raw, raw + n, &r, &is_int);
    int read_ok = q == raw + n && memcmp(&r, &a, 8) == 0 && is_int == num.is_int;
    free(raw);
    if (!read_ok) {
        n_fast_mismatch++;
        if (n_fast_mismatch < 20)
            fprintf(stderr, "csv_num_read differs for \"%s\": %a vs %a\n", s, r, a);
    }
    char *end;
    double b = strtod(s, &end);
    uint64_t ba, bb;
    memcpy(&ba, &a, 8);
    memcpy(&bb, &b, 8);
    n_checked++;
    if (ba != bb || *end) {
        n_fast_mismatch++;
        if (n_fast_mismatch < 20)
            fprintf(stderr, "mismatch for \"%s\": got %a, strtod %a\n", s, a, b);
    }
}

static void rejects(const char *text)
{
    const char *s = padded(text);
    csv_num num;
    int ok = csv_num_scan(s, strlen(s), &num);
    if (ok) fprintf(stderr, "accepted non-number \"%s\"\n", s);
    CHECK(!ok);
}

static void random_decimal(char *buf)
{
    char *p = buf;
    unsigned r = rnd_below(4);
    if (r == 0) *p++ = '-';
    else if (r == 1 && rnd_below(4) == 0) *p++ = '+';
    unsigned int_digits = rnd_below(3) == 0 ? rnd_below(25) : rnd_below(8);
    unsigned frac_digits = rnd_below(3) == 0 ? rnd_below(25) : rnd_below(10);
    int dot = rnd_below(3) != 0;
    if (int_digits == 0 && (!dot || frac_digits == 0)) int_digits = 1;
    for (unsigned i = 0; i < int_digits; i++) {
        /* Mostly ordinary digits, sometimes runs of zeros or nines (rounding edges). */
        unsigned k = rnd_below(10);
        *p++ = (char)('0' + (k < 7 ? rnd_below(10) : k == 7 ? 0 : 9));
    }
    if (dot) {
        *p++ = '.';
        for (unsigned i = 0; i < frac_digits; i++) {
            unsigned k = rnd_below(10);
            *p++ = (char)('0' + (k < 7 ? rnd_below(10) : k == 7 ? 0 : 9));
        }
    }
    if (rnd_below(3) == 0) {
        *p++ = rnd_below(2) ? 'e' : 'E';
        int e = (int)rnd_below(3) == 0 ? (int)rnd_below(700) - 350 : (int)rnd_below(61) - 30;
        p += sprintf(p, rnd_below(5) == 0 && e >= 0 ? "+%d" : "%d", e);
    }
    *p = '\0';
}

static double random_double(void)
{
    for (;;) {
        uint64_t bits = rnd();
        double d;
        memcpy(&d, &bits, 8);
        if (isfinite(d)) return d;
    }
}

int main(int argc, char **argv)
{
    long count = argc > 1 ? atol(argv[1]) : 1000000;

    static const char *edge[] = {
        "0", "-0", "+0", "0.0", "-0.0e5", "00012", "0.000", ".5", "5.", "-.5e-3",
        "1e22", "1e23", "-1e22", "123e30", "9007199254740992", "9007199254740993",
        "9007199254740991.5", "123456789012345678901234567890", "0.1", "0.2", "0.3",
        "4.9e-324", "2.4703282292062327e-324", "2.2250738585072014e-308",
        "2.2250738585072011e-308", "1.7976931348623157e308", "1.7976931348623158e308",
        "1e309", "-1e309", "1e-400", "1e999999999999", "1e-999999999999",
        "100000000000000000000000", "0.000000000000000000000000001", "3.14159265358979323846",
        "1500", "2.000", "-5", "-2", "295", "1943965", "0e999", "1E5", "1e+5",
        "18446744073709551615", "18446744073709551616", "99999999999999999999.5",
        "9007199254740993.0", "0.30000000000000004", "1.2345678901234567e-05",
        "123456789.12345678", "9999999999999999999", "9999999999999999999e27",
        "1e-27", "12345678901234567e-27", "5e-324", "1.0000000000000002",
        "1.00000000000000011102230246251565404236316680908203125",
        "1.000000000000000111", "1.000000000000000112",
        "inf", "-inf", "+inf", "Inf", "INF", "infinity", "-Infinity", "INFINITY",
    };
    for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++) same_as_strtod(edge[i]);

    static const char *bad[] = {
        "", "-", "+", ".", "-.", "e5", "1e", "1e+", "1e-", "1.2.3", "1,5", " 1", "1 ",
        "0x10", "nan", "NaN", "1_000", "--1", "+-1", "1e5.5", "infinite", "in", "-infx",
        "1f", "True", "nr_12", "1e5e5", "..1", "1..", "١",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) rejects(bad[i]);

    csv_num num;
    CHECK(csv_num_scan(padded("12"), 2, &num) && num.is_int);
    CHECK(csv_num_scan(padded("-12"), 3, &num) && num.is_int);
    CHECK(csv_num_scan(padded("1.0"), 3, &num) && !num.is_int);
    CHECK(csv_num_scan(padded("1e3"), 3, &num) && !num.is_int);
    CHECK(csv_num_scan(padded("inf"), 3, &num) && !num.is_int);
    /* Only the first n bytes count, whatever follows (digits here). */
    double v = 0;
    CHECK(csv_num_parse(padded("1234567890123"), 2, &v) && v == 12.0);
    CHECK(csv_num_parse(padded("1234567890123"), 11, &v) && v == 12345678901.0);
    CHECK(csv_num_parse(padded("0.12345678901"), 9, &v) && v == 0.1234567);
    double nz = 1;
    CHECK(csv_num_parse(padded("-0"), 2, &nz) && nz == 0.0 && signbit(nz));

    char buf[128];
    for (long i = 0; i < count; i++) {
        random_decimal(buf);
        same_as_strtod(buf);
    }
    static const char *fmts[] = { "%.17g", "%.16g", "%.15g", "%.6g", "%.3f", "%.10e", "%g" };
    for (long i = 0; i < count / 4; i++) {
        double d = random_double();
        /* Also values of CSV-like magnitude: heavy-tailed but mostly moderate. */
        if (i & 1) d = ldexp((double)(rnd() >> 11), (int)rnd_below(80) - 60) * (rnd() & 1 ? 1 : -1);
        snprintf(buf, sizeof buf, fmts[rnd_below(7)], d);
        same_as_strtod(buf);
    }
    /* Near-midpoints: halfway between two adjacent doubles, printed with 16..20 digits,
     * where an extended-precision shortcut would round twice. Midpoints are exact in a
     * long double (11 more bits) on x86; elsewhere this is just more random input. */
    for (long i = 0; i < count / 4; i++) {
        double d = ldexp((double)(rnd() >> 11), (int)rnd_below(120) - 90);
        long double mid = ((long double)d + (long double)nextafter(d, INFINITY)) / 2;
        snprintf(buf, sizeof buf, "%.*Lg", 16 + (int)rnd_below(5), mid);
        same_as_strtod(buf);
    }
    fprintf(stderr, "%ld numbers compared with strtod, %ld mismatches\n", n_checked,
            n_fast_mismatch);
    CHECK_EQ_INT(n_fast_mismatch, 0);
    return check_done();
}
