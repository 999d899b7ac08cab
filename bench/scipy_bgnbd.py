"""The peer for bench/clv.ts: the same BG/NBD and Gamma-Gamma likelihoods, fitted with scipy's Nelder-Mead on
log parameters from the same start, on the same compressed data. Prints seconds and parameters as JSON."""
import json
import sys
import time

import numpy as np
from scipy.optimize import minimize
from scipy.special import gammaln


def main(path):
    data = json.load(open(path))
    x, tx, T, w = (np.array(data[k], dtype=float) for k in ("x", "tx", "T", "weight"))
    gx, gm = np.array(data["ggx"], dtype=float), np.array(data["ggm"], dtype=float)

    def bgnbd(log_params):
        r, alpha, a, b = np.exp(log_params)
        a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
        a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
        a3 = -(r + x) * np.log(alpha + T)
        with np.errstate(divide="ignore", invalid="ignore"):
            a4 = np.where(x > 0, np.log(a) - np.log(b + x - 1) - (r + x) * np.log(alpha + tx), -np.inf)
        return -np.sum(w * (a1 + a2 + np.logaddexp(a3, a4)))

    def gamma_gamma(log_params):
        p, q, g = np.exp(log_params)
        px = p * gx
        ll = gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(g) + (px - 1) * np.log(gm) + px * np.log(gx) - (px + q) * np.log(gx * gm + g)
        return -np.sum(ll)

    started = time.perf_counter()
    fit = minimize(bgnbd, np.zeros(4), method="Nelder-Mead", options={"maxiter": 6000, "xatol": 1e-7, "fatol": 1e-9})
    spend = minimize(gamma_gamma, np.zeros(3), method="Nelder-Mead", options={"maxiter": 6000, "xatol": 1e-7, "fatol": 1e-9})
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "params": np.exp(fit.x).tolist(), "logLikelihood": -fit.fun, "spend": np.exp(spend.x).tolist()}))


main(sys.argv[1])
