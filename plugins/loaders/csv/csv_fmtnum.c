/* csv_fmtnum.c — numbers written for people: "$1,234.50", "12.5%", "-€3", "(1,200)", "1,000 £".
 *
 *     unsigned marks = 0; double v;
 *     if (csv_fmtnum_parse("$1,234.50", 9, &v, &marks)) ...   // 1234.5, marks = CSV_FMT_CURRENCY | CSV_FMT_THOUSANDS
 *
 * Public tables write money and shares this way (a "Cost Total $" or "share" column), and a
 * plain number parser reads them as strings: a regression target then cannot be used at all
 * and a feature becomes a 1,000-level category. The type inference (csv_infer.c) tries this
 * on a column only when every non-missing field of it parses, so a label that merely starts
 * with a digit stays a string.
 *
 * Accepted, on trimmed text: an optional pair of parentheses (accounting negative), an
 * optional sign, an optional currency symbol ($ € £ ¥) before or after the number (spaces
 * allowed between), digits with optional ',' thousands separators in strict groups of three
 * ("1,234,567"; "12,5" is not a number: a decimal comma is ambiguous), an optional '.'
 * fraction, and an optional trailing '%'. With decimal_comma the two marks swap roles
 * ("1.234,5" = 1234.5, "12,5" = 12.5): what a spreadsheet in a comma-decimal locale writes,
 * with ';' between the fields (csv_infer.c asks for it only in a ';' file). A percentage keeps the number as written
 * ("12.5%" -> 12.5), so the values read as the file shows them. No exponent, no spaces or
 * dots as thousands separators. The digits are converted by csv_num, so a value is exactly
 * what strtod gives for the same digits.
 */
#include "csv.h"

#include <string.h>

/* Length of the currency symbol at s (0: none). */
static size_t currency_at(const char *s, const char *end)
{
    size_t left = (size_t)(end - s);
    if (left >= 1 && s[0] == '$') return 1;
    if (left >= 3 && memcmp(s, "\xE2\x82\xAC", 3) == 0) return 3;   /* € */
    if (left >= 2 && (memcmp(s, "\xC2\xA3", 2) == 0 || memcmp(s, "\xC2\xA5", 2) == 0)) return 2;   /* £ ¥ */
    return 0;
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

int csv_fmtnum_parse(const char *s, size_t n, int decimal_comma, double *out, unsigned *marks)
{
    const char group_sep = decimal_comma ? '.' : ',', point = decimal_comma ? ',' : '.';
    enum { MAX_LEN = 64 };
    const char *p = s, *end = s + n;
    unsigned m = 0;
    int neg = 0;
    while (p < end && (*p == ' ' || *p == '\t')) p++;
    while (end > p && (end[-1] == ' ' || end[-1] == '\t')) end--;
    if (end - p >= 2 && *p == '(' && end[-1] == ')') { p++; end--; neg = 1; m |= CSV_FMT_PARENS; }
    int signed_ = 0;
    if (p < end && (*p == '+' || *p == '-')) { neg ^= *p == '-'; p++; signed_ = 1; }
    size_t cur = currency_at(p, end);
    if (cur) {
        p += cur;
        m |= CSV_FMT_CURRENCY;
        while (p < end && *p == ' ') p++;
        if (p < end && (*p == '+' || *p == '-') && !signed_) { neg ^= *p == '-'; p++; }   /* "$-5" */
    }
    if (p < end && end[-1] == '%') { end--; m |= CSV_FMT_PERCENT; while (end > p && end[-1] == ' ') end--; }
    if (!cur) {
        /* A symbol after the number: "1,000 €". */
        const char *q = end;
        while (q > p && (unsigned char)q[-1] >= 0x80) q--;
        if (q > p && q[-1] == '$') q--;
        if (q < end && currency_at(q, end) == (size_t)(end - q)) {
            end = q;
            m |= CSV_FMT_CURRENCY;
            while (end > p && end[-1] == ' ') end--;
        }
    }
    /* The digits, thousands separators checked and removed. */
    char buf[MAX_LEN + CSV_NUM_PAD];
    size_t k = 0, run = 0, groups = 0;
    if (neg) buf[k++] = '-';
    while (p < end && is_digit(*p)) {
        if (k >= MAX_LEN - 2) return 0;
        buf[k++] = *p++;
        run++;
        if (p < end && *p == group_sep) {
            if (groups ? run != 3 : (run < 1 || run > 3)) return 0;
            if (end - p < 4 || !is_digit(p[1]) || !is_digit(p[2]) || !is_digit(p[3]) || (end - p > 4 && is_digit(p[4])))
                return 0;
            p++;
            groups++;
            run = 0;
            m |= CSV_FMT_THOUSANDS;
        }
    }
    if (groups && run != 3) return 0;
    size_t int_digits = (size_t)(k - (size_t)neg);
    size_t frac_digits = 0;
    if (p < end && *p == point) {
        buf[k++] = '.';
        p++;
        if (decimal_comma) m |= CSV_FMT_DECIMAL_COMMA;
        while (p < end && is_digit(*p)) {
            if (k >= MAX_LEN - 1) return 0;
            buf[k++] = *p++;
            frac_digits++;
        }
    }
    if (p != end || int_digits + frac_digits == 0) return 0;
    memset(buf + k, 0, sizeof buf - k);
    double v;
    if (!csv_num_parse(buf, k, &v)) return 0;
    *out = v;
    *marks |= m;
    return 1;
}
