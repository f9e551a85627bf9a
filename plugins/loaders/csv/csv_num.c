/* csv_num.c — recognizing and converting decimal numbers in CSV fields.
 *
 *     csv_num n; double v;
 *     if (csv_num_scan("-1.25e3", 7, &n)) v = csv_num_value("-1.25e3", 7, &n);  // -1250.0
 *     if (!csv_num_parse(field, len, &v)) ...;   // not a number
 *
 * Accepted syntax: [+-] (digits [. digits] | . digits) [(e|E) [+-] digits], or [+-] inf /
 * infinity in any case. No spaces, no thousands separators, no hex.
 *
 * Conversion must give exactly what strtod() gives, bit for bit. Two fast paths:
 *  1. Clinger's: when the significant digits fit in 53 bits and the power of ten is at
 *     most 10^22 (exact in a double), digits * 10^e or digits / 10^-e is one correctly
 *     rounded IEEE operation, hence exactly strtod's answer. Covers short decimals.
 *  2. x87 extended precision (x86 only): pandas.to_csv writes doubles with up to 17
 *     digits, which path 1 cannot take. Up to 19 digits fit exactly in the 64-bit
 *     significand of a long double, as does 10^e for |e| <= 27, so r = digits (*|/) 10^|e|
 *     is within half a long-double ulp of the exact value. Rounding r to double then gives
 *     the correctly rounded result unless r lies within one long-double ulp of a midpoint
 *     between two doubles: the 11 extra significand bits tell, and those rare cases (and
 *     a non-default x87 precision or rounding mode) go to strtod.
 * Everything else falls back to strtod (the caller sets the "C" locale for the decimal point).
 */
#include "csv.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Double-rounding through x87 extended precision would break the exactness argument. */
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0
#define FAST_PATH 1
#else
#define FAST_PATH 0
#endif

#if FAST_PATH && (defined(__x86_64__) || defined(__i386__)) && LDBL_MANT_DIG == 64
#define X87_PATH 1
static const long double pow10_ld[28] = {
    1e0L, 1e1L, 1e2L, 1e3L, 1e4L, 1e5L, 1e6L, 1e7L, 1e8L, 1e9L, 1e10L, 1e11L, 1e12L, 1e13L,
    1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L, 1e20L, 1e21L, 1e22L, 1e23L, 1e24L, 1e25L,
    1e26L, 1e27L,
};

/* Path 2 (see the top). Returns 0 when it cannot decide; *out is then untouched. */
static int x87_value(uint64_t mant, int32_t e, double *out)
{
    unsigned short cw;
    __asm__ volatile("fnstcw %0" : "=m"(cw));
    if ((cw & 0xF00) != 0x300) return 0;   /* need 64-bit precision, round to nearest */
    long double r = e >= 0 ? (long double)mant * pow10_ld[e] : (long double)mant / pow10_ld[-e];
    uint64_t sig;
    memcpy(&sig, &r, sizeof sig);          /* x87 layout: bytes 0..7 are the significand */
    unsigned low = (unsigned)(sig & 0x7FF);
    if (low >= 0x3FF && low <= 0x401) return 0;   /* too close to a midpoint */
    *out = (double)r;
    return 1;
}
#else
#define X87_PATH 0
#endif

static const double pow10_exact[23] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* Digit runs are read 8 bytes at a time (SWAR, after fast_float): the length of the run
 * comes from the lowest non-digit byte and its value from three multiplications, so a
 * number costs a few predictable steps instead of a data-dependent branch per digit.
 * Callers guarantee CSV_NUM_PAD readable bytes after the text (see csv.h). */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SWAR 1
static inline uint64_t load8(const char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* Number of leading (in memory order) ASCII digits in v, 0..8. Per byte b, the high bit of
 * b + 0x46 flags b > '9' (b <= 0xB9), that of b - 0x30 flags b < '0' or b >= 0xB0: every
 * non-digit is flagged, no digit is. Carries and borrows only travel upwards from a
 * flagged byte, so the lowest flag is exact. */
static inline unsigned digit_run(uint64_t v)
{
    uint64_t m = ((v + 0x4646464646464646ull) | (v - 0x3030303030303030ull)) & 0x8080808080808080ull;
    return m ? (unsigned)__builtin_ctzll(m) >> 3 : 8;
}

/* Value of the first k (1..8) digits of v. */
static inline uint64_t digits_value(uint64_t v, unsigned k)
{
    if (k < 8) v = (v << (8 * (8 - k))) | (0x3030303030303030ull >> (8 * k));  /* '0'-pad */
    v -= 0x3030303030303030ull;
    v = (v * 10) + (v >> 8);
    v = (((v & 0x000000FF000000FFull) * 0x000F424000000064ull) +
         (((v >> 16) & 0x000000FF000000FFull) * 0x0000271000000001ull)) >> 32;
    return v;
}
#else
#define SWAR 0
#endif

static const uint64_t pow10_u64[9] = {
    1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
};

/* Reads the digit run at p into mant (up to 19 significant digits in all). Returns the end
 * of the run; *kept counts digits added to mant, *dropped those that did not fit. */
static inline const char *read_digits(const char *p, const char *end, uint64_t *mant, int *nd,
                                      int64_t *kept, int64_t *dropped, int *inexact)
{
#if SWAR
    while (p < end) {
        uint64_t v = load8(p);
        unsigned k = digit_run(v);
        if ((size_t)(end - p) < k) k = (unsigned)(end - p);
        if (k == 0) return p;
        if (*nd + (int)k <= 19) {
            *mant = *mant * pow10_u64[k] + digits_value(v, k);
            *nd += (int)k;
            *kept += k;
        } else {
            for (unsigned i = 0; i < k; i++) {
                unsigned dgt = (unsigned)(p[i] - '0');
                if (*nd < 19) {
                    *mant = *mant * 10 + dgt;
                    (*nd)++;
                    (*kept)++;
                } else {
                    (*dropped)++;
                    *inexact |= dgt != 0;
                }
            }
        }
        p += k;
        if (k < 8) return p;
    }
    return p;
#else
    for (; p < end; p++) {
        unsigned dgt = (unsigned)(*p - '0');
        if (dgt >= 10) break;
        if (*nd < 19) {
            *mant = *mant * 10 + dgt;
            (*nd)++;
            (*kept)++;
        } else {
            (*dropped)++;
            *inexact |= dgt != 0;
        }
    }
    return p;
#endif
}

/* Length of `lit` (lower case) if s starts with it in any case, else 0. */
static size_t starts_lower(const char *s, const char *end, const char *lit)
{
    size_t i = 0;
    for (; lit[i]; i++) {
        if (s + i >= end) return 0;
        char c = s[i];
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        if (c != lit[i]) return 0;
    }
    return i;
}

/* The scanner and the converter are static inline so csv_num_read can keep the fields of
 * csv_num in registers; the exported functions are thin wrappers. */
static inline __attribute__((always_inline)) const char *prefix(const char *s, const char *end,
                                                            csv_num *out)
{
    const char *p = s;
    csv_num r = {0, 0, 0, 1, 0, 0};
    if (p < end && (*p == '+' || *p == '-')) r.neg = *p++ == '-';
    if (p < end && (*p == 'i' || *p == 'I')) {
        size_t k = starts_lower(p, end, "infinity");
        if (!k) k = starts_lower(p, end, "inf");
        if (!k) return NULL;
        r.is_inf = 1;
        r.is_int = 0;
        *out = r;
        return p + k;
    }

    /* Up to 19 significant digits go into mant (they fit in 64 bits); later digits only
     * move the exponent, and make the value inexact when they are not zeros. */
    uint64_t mant = 0;
    int nd = 0;
    int64_t exp10 = 0;
    int inexact = 0;
    const char *start = p;
    int64_t kept = 0, dropped = 0;
    while (p < end && *p == '0') p++;                 /* leading zeros */
    p = read_digits(p, end, &mant, &nd, &kept, &dropped, &inexact);
    exp10 += dropped;                                 /* 123456...(20+ digits) */
    int any = p > start;
    if (p < end && *p == '.') {
        p++;
        r.is_int = 0;
        const char *frac = p;
        if (nd == 0)
            for (; p < end && *p == '0'; p++) exp10--;   /* 0.000123: not significant */
        kept = 0;
        p = read_digits(p, end, &mant, &nd, &kept, &dropped, &inexact);
        exp10 -= kept;
        any |= p > frac;
    }
    if (!any) return NULL;

    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        r.is_int = 0;
        int eneg = 0;
        if (p < end && (*p == '+' || *p == '-')) eneg = *p++ == '-';
        if (p >= end || (unsigned)(*p - '0') >= 10) return NULL;   /* "1e", "1e+" */
        int64_t e = 0;
        for (; p < end && (unsigned)(*p - '0') < 10; p++)
            if (e < 100000000) e = e * 10 + (*p - '0');   /* saturate: strtod gives 0/inf */
        exp10 += eneg ? -e : e;
    }
    if (exp10 > INT32_MAX / 2) exp10 = INT32_MAX / 2;
    if (exp10 < INT32_MIN / 2) exp10 = INT32_MIN / 2;
    r.mant = mant;
    r.exp10 = (int32_t)exp10;
    r.inexact = (unsigned char)inexact;
    *out = r;
    return p;
}

const char *csv_num_prefix(const char *s, const char *end, csv_num *out)
{
    return prefix(s, end, out);
}

int csv_num_scan(const char *s, size_t n, csv_num *out)
{
    const char *q = prefix(s, s + n, out);
    return q && q == s + n;
}

/* strtod on a NUL-terminated copy: the text is not terminated in place (see csv.h), and
 * the byte after it (a delimiter) could otherwise extend the number. */
static double slow_value(const char *s, size_t n)
{
    char small[128];
    char *buf = n < sizeof small ? small : malloc(n + 1);
    if (!buf) return NAN;   /* out of memory on a >127-character number */
    memcpy(buf, s, n);
    buf[n] = '\0';
    double v = strtod(buf, NULL);
    if (buf != small) free(buf);
    return v;
}

static inline __attribute__((always_inline)) double value(const char *s, size_t n,
                                                         const csv_num *num)
{
    if (num->is_inf) return num->neg ? -INFINITY : INFINITY;
    if (num->mant == 0 && !num->inexact) return num->neg ? -0.0 : 0.0;
#if FAST_PATH
    const uint64_t two53 = (uint64_t)1 << 53;
    if (!num->inexact && num->mant <= two53) {
        double v = -1.0;
        int32_t e = num->exp10;
        if (e >= 0 && e <= 22) {
            v = (double)num->mant * pow10_exact[e];
        } else if (e < 0 && e >= -22) {
            v = (double)num->mant / pow10_exact[-e];
        } else if (e > 22 && e <= 22 + 16) {
            /* 123e30 = (123 * 10^8) * 10^22 when the first product is still exact. */
            uint64_t m = num->mant;
            int k = e - 22;
            while (k > 0 && m <= two53 / 10) { m *= 10; k--; }
            if (k == 0) v = (double)m * 1e22;
        }
        if (v >= 0.0) return num->neg ? -v : v;
    }
#endif
#if X87_PATH
    if (!num->inexact && num->exp10 >= -27 && num->exp10 <= 27) {
        double v;
        if (x87_value(num->mant, num->exp10, &v)) return num->neg ? -v : v;
    }
#endif
    return slow_value(s, n);
}

double csv_num_value(const char *s, size_t n, const csv_num *num)
{
    return value(s, n, num);
}

int csv_num_parse(const char *s, size_t n, double *out)
{
    csv_num num;
    if (!csv_num_scan(s, n, &num)) return 0;
    *out = value(s, n, &num);
    return 1;
}

#if SWAR
/* The shapes nearly every CSV number has: [-]d{1,7}[.d{0,23}], at most 19 digits, no
 * exponent. Two or three 8-byte loads and no per-digit branch. NULL = not this shape (the
 * general scanner decides). The value still goes through value(), so it is exact. */
static inline const char *common_shape(const char *s, const char *end, csv_num *num)
{
    const char *p = s;
    int neg = *p == '-';
    p += neg;
    if (p >= end) return NULL;
    uint64_t w = load8(p);
    unsigned k = digit_run(w);
    if ((size_t)(end - p) < k) k = (unsigned)(end - p);   /* digits past `end` are not ours */
    if (k == 0 || k == 8) return NULL;
    uint64_t mant = digits_value(w, k);
    unsigned nd = k;
    int32_t e = 0;
    int is_int = 1;
    p += k;
    if (*p == '.') {
        is_int = 0;
        p++;
        for (int part = 0; part < 3; part++) {
            w = load8(p);
            k = digit_run(w);
            if ((size_t)(end - p) < k) k = (unsigned)(end - p);
            if (nd + k > 19) return NULL;
            if (k) mant = mant * pow10_u64[k] + digits_value(w, k);
            nd += k;
            e -= (int32_t)k;
            p += k;
            if (k < 8) break;
        }
        if (p < end && *p >= '0' && *p <= '9') return NULL;   /* over 23 fraction digits */
    }
    if (p < end && (*p == 'e' || *p == 'E' || *p == '.')) return NULL;
    num->mant = mant;
    num->exp10 = e;
    num->neg = (unsigned char)neg;
    num->is_int = (unsigned char)is_int;
    num->is_inf = 0;
    num->inexact = 0;
    return p;
}
#endif

/* Everything but the common shapes; kept out of line so the common path stays small. */
static __attribute__((noinline)) const char *read_general(const char *s, const char *end,
                                                          double *out, int *is_int)
{
    csv_num num;
    const char *q = prefix(s, end, &num);
    if (!q) return NULL;
    *out = value(s, (size_t)(q - s), &num);
    *is_int = num.is_int;
    return q;
}

const char *csv_num_read(const char *s, const char *end, double *out, int *is_int)
{
#if SWAR
    csv_num num;
    const char *q = common_shape(s, end, &num);
    if (q) {
        *out = value(s, (size_t)(q - s), &num);
        *is_int = num.is_int;
        return q;
    }
#endif
    return read_general(s, end, out, is_int);
}
