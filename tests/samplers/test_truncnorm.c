/* tests/samplers/test_truncnorm.c — the TPE plugin's truncated-normal numerics
 * (plugins/samplers/tpe/truncnorm.c, compiled into this test): log Phi against libm's erfc
 * where that is representable, interval masses and densities that integrate to one, and a
 * quantile that inverts the numerically integrated CDF — in the centre and far in the tails,
 * where the TPE's kernels often sit.
 *
 *     test_sampler_truncnorm
 */
#include <math.h>
#include <stdio.h>

#include "check.h"
#include "truncnorm.h"

static double rel(double a, double b)
{
    return fabs(a - b) / fmax(1e-300, fmax(fabs(a), fabs(b)));
}

/* Simpson's rule of exp(tn_logpdf) over [a, z]. */
static double integrate(double a, double z, double lo, double hi)
{
    const int n = 4000;
    double h = (z - a) / n, s = 0;
    for (int i = 0; i <= n; i++) {
        double w = i == 0 || i == n ? 1 : (i % 2 ? 4 : 2);
        s += w * exp(tn_logpdf(a + i * h, lo, hi));
    }
    return s * h / 3;
}

static void test_log_ndtr(void)
{
    double worst = 0;
    for (double x = -37; x <= 5; x += 0.25) {
        double ref = log(0.5 * erfc(-x / M_SQRT2));
        worst = fmax(worst, rel(tn_log_ndtr(x), ref));
    }
    CHECK(worst < 1e-12);
    if (worst >= 1e-12) fprintf(stderr, "log_ndtr worst relative error %g\n", worst);
    for (double x = 6.5; x <= 30; x += 0.5)          /* log(1 - p) ~ -p for tiny p */
        CHECK(rel(tn_log_ndtr(x), -0.5 * erfc(x / M_SQRT2)) < 1e-9);
    /* continuity where the asymptotic series takes over */
    CHECK(rel(tn_log_ndtr(-20 - 1e-9), tn_log_ndtr(-20 + 1e-9)) < 1e-9);
    /* far tail: log Phi(x) = -x^2/2 - log(-x) - log(sqrt(2 pi)) - 1/x^2 + ... */
    double x = -1e5;
    CHECK(rel(tn_log_ndtr(x), -0.5 * x * x - log(-x) - 0.5 * log(2 * M_PI) - 1 / (x * x)) < 1e-15);
    CHECK(isfinite(tn_log_ndtr(-1e150)));
    CHECK(tn_log_ndtr(40) == 0 || fabs(tn_log_ndtr(40)) < 1e-300);
    CHECK(isnan(tn_log_ndtr(NAN)));
}

static const double intervals[][2] = {
    { -1, 1 }, { -3, 50 }, { 0.5, 2 }, { -2, -0.5 }, { 30, 31 }, { -40, -39.5 },
    { 5, 5.001 }, { -8, 8 }, { 12, 1e6 },
};

static void test_mass_and_density(void)
{
    for (size_t i = 0; i < sizeof intervals / sizeof intervals[0]; i++) {
        double a = intervals[i][0], b = intervals[i][1];
        double m = tn_log_mass(a, b);
        CHECK(isfinite(m) && m <= 0);
        CHECK(rel(m, tn_log_mass(-b, -a)) < 1e-12);         /* symmetry */
        if (a > -30 && b < 30) {
            /* libm reference, evaluated on the side where it does not cancel */
            double ref = a > 0   ? log(0.5 * erfc(a / M_SQRT2) - 0.5 * erfc(b / M_SQRT2))
                         : b <= 0 ? log(0.5 * erfc(-b / M_SQRT2) - 0.5 * erfc(-a / M_SQRT2))
                                  : log1p(-0.5 * erfc(-a / M_SQRT2) - 0.5 * erfc(b / M_SQRT2));
            CHECK(rel(m, ref) < 1e-9);
        }
        /* integrate where the mass is: the density decays like exp(-a z) right of a > 1 */
        double span = a > 1 ? 40 / a : 60;
        double hi = b > a + span ? a + span : b;
        double total = integrate(a, hi, a, b);
        CHECK_NEAR(total, 1.0, 1e-7);
    }
    CHECK(tn_log_mass(1, 1) == -INFINITY);
    CHECK(tn_log_mass(2, 1) == -INFINITY);
    CHECK(tn_logpdf(0.5, 1, 2) == -INFINITY);
    CHECK(tn_logpdf(2.5, 1, 2) == -INFINITY);
}

static void test_quantile(void)
{
    for (size_t i = 0; i < sizeof intervals / sizeof intervals[0]; i++) {
        double a = intervals[i][0], b = intervals[i][1], prev = -INFINITY;
        for (int k = 1; k < 20; k++) {
            double u = k / 20.0, z = tn_quantile(u, a, b);
            CHECK(z >= a && z <= b);
            CHECK(z >= prev);                                /* monotone */
            prev = z;
            CHECK_NEAR(integrate(a, z, a, b), u, 1e-7);     /* inverts the CDF */
            CHECK(rel(z, -tn_quantile(1 - u, -b, -a)) < 1e-9 || fabs(z) < 1e-12);
        }
    }
    CHECK(tn_quantile(0.0, -1, 1) == -1);
    CHECK(tn_quantile(0.3, 2, 2) == 2);                      /* zero width: the point itself */
    CHECK(isnan(tn_quantile(0.3, NAN, 1)));
    CHECK(isfinite(tn_quantile(1e-300, -1e12, 1e12)));
}

int main(void)
{
    test_log_ndtr();
    test_mass_and_density();
    test_quantile();
    return check_done();
}
