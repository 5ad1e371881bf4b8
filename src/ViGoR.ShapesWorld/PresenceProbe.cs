namespace ViGoR.ShapesWorld;

/// <summary>What a linear probe on image features knows about which categories are present.</summary>
/// <param name="PerCategory">Held-out ROC AUC per COCO category (categories absent or always present in the test scenes are left out).</param>
/// <param name="Mean">The mean of <paramref name="PerCategory"/>.</param>
/// <param name="Min">The lowest of <paramref name="PerCategory"/>.</param>
public sealed record ProbeResult(IReadOnlyDictionary<string, double> PerCategory, double Mean, double Min);

/// <summary>
/// The test bed's diagnostic for a vision tower: one logistic regression per category, on frozen image
/// features (e.g. the pooled patch features LLaVA reads), trained on some scenes and scored on others by
/// ROC AUC. It tells whether a model *can* see an object before anyone asks whether it says so: a tower
/// whose features do not separate "cup" from "no cup" leaves every later stage guessing. Deterministic.
/// </summary>
public static class PresenceProbe
{
    /// <summary>Fits the probes on <paramref name="trainFeatures"/> and scores them on <paramref name="testFeatures"/>.</summary>
    /// <param name="trainFeatures">One feature vector per training scene, all of one length.</param>
    /// <param name="trainScenes">The training scenes, parallel to <paramref name="trainFeatures"/>.</param>
    /// <param name="testFeatures">One feature vector per test scene.</param>
    /// <param name="testScenes">The test scenes, parallel to <paramref name="testFeatures"/>.</param>
    /// <param name="l2">Ridge penalty on the weights, against the summed log-loss (features are standardised first). Default 1, scikit-learn's C = 1.</param>
    /// <param name="iterations">At most this many Newton steps (it stops when converged). Default 50.</param>
    /// <exception cref="ArgumentException">Lengths disagree.</exception>
    public static ProbeResult Evaluate(
        IReadOnlyList<float[]> trainFeatures,
        IReadOnlyList<Scene> trainScenes,
        IReadOnlyList<float[]> testFeatures,
        IReadOnlyList<Scene> testScenes,
        double l2 = 1,
        int iterations = 50)
    {
        ArgumentNullException.ThrowIfNull(trainFeatures);
        ArgumentNullException.ThrowIfNull(trainScenes);
        ArgumentNullException.ThrowIfNull(testFeatures);
        ArgumentNullException.ThrowIfNull(testScenes);
        if (trainFeatures.Count != trainScenes.Count || testFeatures.Count != testScenes.Count || trainFeatures.Count == 0)
        {
            throw new ArgumentException($"Features and scenes must pair up: {trainFeatures.Count} / {trainScenes.Count} train, {testFeatures.Count} / {testScenes.Count} test.", nameof(trainFeatures));
        }

        int d = trainFeatures[0].Length;
        var mean = new double[d];
        var std = new double[d];
        foreach (var f in trainFeatures)
        {
            for (int j = 0; j < d; j++)
            {
                mean[j] += f[j] / trainFeatures.Count;
            }
        }

        foreach (var f in trainFeatures)
        {
            for (int j = 0; j < d; j++)
            {
                std[j] += (f[j] - mean[j]) * (f[j] - mean[j]) / trainFeatures.Count;
            }
        }

        for (int j = 0; j < d; j++)
        {
            std[j] = Math.Sqrt(std[j]) + 1e-6;
        }

        double[][] Standardise(IReadOnlyList<float[]> features) =>
            features.Select(f => f.Length == d ? Enumerable.Range(0, d).Select(j => (f[j] - mean[j]) / std[j]).ToArray()
                : throw new ArgumentException($"A feature vector has {f.Length} values, not {d}.", nameof(features))).ToArray();

        var train = Standardise(trainFeatures);
        var test = Standardise(testFeatures);
        var perCategory = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var kind in ShapesWorldKinds.All)
        {
            var y = trainScenes.Select(s => s.Objects.Any(o => o.Kind == kind)).ToArray();
            var truth = testScenes.Select(s => s.Objects.Any(o => o.Kind == kind)).ToList();
            if (y.All(v => v) || !y.Any(v => v))
            {
                continue;
            }

            var (w, b) = Fit(train, y, l2, iterations);
            var scores = test.Select(x => Dot(w, x) + b).ToList();
            if (RocAuc.Of(scores, truth) is { } auc)
            {
                perCategory[kind.Category] = auc;
            }
        }

        return new ProbeResult(perCategory, perCategory.Count == 0 ? double.NaN : perCategory.Values.Average(), perCategory.Count == 0 ? double.NaN : perCategory.Values.Min());
    }

    // L2-regularised logistic regression by Newton's method (IRLS) to convergence: the objective is
    // sum of log-losses + (l2 / 2)·|w|² (scikit-learn's default with C = 1 / l2), so the probe measures
    // the features, not an optimiser stopped early. The bias is not penalised.
    private static (double[] Weights, double Bias) Fit(double[][] x, bool[] y, double l2, int iterations)
    {
        int n = x.Length, d = x[0].Length, m = d + 1;
        var theta = new double[m]; // weights, then bias
        for (int step = 0; step < iterations; step++)
        {
            var gradient = new double[m];
            var hessian = new double[m, m];
            for (int i = 0; i < n; i++)
            {
                double z = theta[d];
                for (int j = 0; j < d; j++)
                {
                    z += theta[j] * x[i][j];
                }

                double p = 1 / (1 + Math.Exp(-z)), e = p - (y[i] ? 1 : 0), w = Math.Max(p * (1 - p), 1e-10);
                for (int a = 0; a < m; a++)
                {
                    double xa = a < d ? x[i][a] : 1;
                    gradient[a] += e * xa;
                    for (int b = 0; b <= a; b++)
                    {
                        hessian[a, b] += w * xa * (b < d ? x[i][b] : 1);
                    }
                }
            }

            for (int a = 0; a < d; a++)
            {
                gradient[a] += l2 * theta[a];
                hessian[a, a] += l2;
            }

            var delta = SolveSymmetric(hessian, gradient, m);
            double largest = 0;
            for (int a = 0; a < m; a++)
            {
                theta[a] -= delta[a];
                largest = Math.Max(largest, Math.Abs(delta[a]));
            }

            if (largest < 1e-8)
            {
                break;
            }
        }

        return (theta[..d], theta[d]);
    }

    // Cholesky solve of H·x = g, H symmetric positive definite, lower triangle given.
    private static double[] SolveSymmetric(double[,] h, double[] g, int m)
    {
        var l = new double[m, m];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                double sum = h[i, j];
                for (int k = 0; k < j; k++)
                {
                    sum -= l[i, k] * l[j, k];
                }

                l[i, j] = i == j ? Math.Sqrt(Math.Max(sum, 1e-12)) : sum / l[j, j];
            }
        }

        var y = new double[m];
        for (int i = 0; i < m; i++)
        {
            double sum = g[i];
            for (int k = 0; k < i; k++)
            {
                sum -= l[i, k] * y[k];
            }

            y[i] = sum / l[i, i];
        }

        var x = new double[m];
        for (int i = m - 1; i >= 0; i--)
        {
            double sum = y[i];
            for (int k = i + 1; k < m; k++)
            {
                sum -= l[k, i] * x[k];
            }

            x[i] = sum / l[i, i];
        }

        return x;
    }

    private static double Dot(double[] w, double[] x)
    {
        double sum = 0;
        for (int j = 0; j < w.Length; j++)
        {
            sum += w[j] * x[j];
        }

        return sum;
    }
}
