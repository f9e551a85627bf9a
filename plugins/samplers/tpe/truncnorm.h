/* plugins/samplers/tpe/truncnorm.h — the standard normal truncated to [a, b], computed in
 * log space so far tails neither underflow nor cancel (the kernels of the TPE's Parzen
 * mixtures can sit many sigmas away from a bound).
 *
 *     double z  = tn_quantile(u, a, b);        // inverse CDF: u in [0,1) -> z in [a, b]
 *     double lp = tn_logpdf(z, a, b);          // log density of the truncated N(0,1)
 *     double lm = tn_log_mass(a, b);           // log(Phi(b) - Phi(a))
 *
 * For N(mu, sigma) truncated to [low, high] use a = (low-mu)/sigma, b = (high-mu)/sigma,
 * x = mu + sigma*z and log density tn_logpdf(z, a, b) - log(sigma).
 */
#ifndef XP_SAMPLERS_TRUNCNORM_H
#define XP_SAMPLERS_TRUNCNORM_H

double tn_log_ndtr(double x);                   /* log Phi(x), accurate down to x ~ -1e150 */
double tn_log_mass(double a, double b);         /* -inf when a >= b */
double tn_quantile(double u, double a, double b);
double tn_logpdf(double z, double a, double b); /* -inf outside [a, b] */

#endif
