using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ViGoR.Cli.Demo.Report;

namespace ViGoR.Cli.Demo.Run;

/// <summary>
/// The demo's results over seeds and the paper's claims checked against them, as written to
/// <c>results.json</c>: <c>{"seeds": [...], "results": {"&lt;config&gt;": {"chair_i": {"mean", "std"}, ...}}, "claims": {...}, "notes": [...], "calibration": {...}, "supervision": {"&lt;config&gt;": {...}}}</c>.
/// </summary>
internal static class DemoResults
{
    /// <summary>The metrics results.json names for every configuration (others, such as POPE per split, follow them).</summary>
    public static readonly IReadOnlyList<string> HeadlineMetrics = ["chair_i", "chair_s", "recall", "words", "pope_f1"];

    /// <summary>The configurations with a single reward stream, which the claim "each stream beats the base" compares.</summary>
    public static readonly IReadOnlyList<string> SingleStreams = ["vigor_at", "vigor_rm", "vigor_rm_holistic"];

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Mean and sample standard deviation (0 for one seed) of every metric, per configuration.</summary>
    public static IReadOnlyList<ReportConfig> Summarise(IReadOnlyDictionary<string, IReadOnlyList<DemoEvaluation>> evaluations)
    {
        var order = new[] { DemoConfig.Base }.Concat(DemoConfig.Trained.Select(c => c.Name));
        return order.Where(evaluations.ContainsKey).Select(name =>
        {
            var runs = evaluations[name];
            var keys = runs.SelectMany(r => r.Metrics.Keys).Distinct(StringComparer.Ordinal).ToList();
            var perSeed = keys.ToDictionary(k => k, k => (IReadOnlyList<double>)runs.Select(r => r.Metrics.GetValueOrDefault(k, double.NaN)).ToList(), StringComparer.Ordinal);
            var metrics = perSeed.ToDictionary(kv => kv.Key, kv => Summary(kv.Value), StringComparer.Ordinal);
            return new ReportConfig(name, Label(name), metrics, perSeed);
        }).ToList();
    }

    public static string Label(string name) => name == DemoConfig.Base ? "Base" : DemoConfig.Trained.First(c => c.Name == name).Label;

    /// <summary>A configuration's mean over seeds of a metric, by configuration and metric name.</summary>
    public static Func<string, string, double> Means(IReadOnlyList<ReportConfig> configs) =>
        (config, metric) => configs.First(c => c.Name == config).Metrics[metric].Mean;

    /// <summary>
    /// The claims of the issue, from the paper: ViGoR-All hallucinates least, with CHAIRi at least 30%
    /// lower than the base (relative) and object recall within 10% of the base; each single stream beats
    /// the base; fine-grained beats holistic reward modelling. All compare means over the seeds.
    /// </summary>
    public static IReadOnlyList<ReportClaim> Claims(IReadOnlyList<ReportConfig> configs, DemoDiagnostics? diagnostics = null)
    {
        var mean = Means(configs);
        string P(double v) => (v * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";
        double baseChair = mean(DemoConfig.Base, "chair_i"), allChair = mean("vigor_all", "chair_i");
        double baseRecall = mean(DemoConfig.Base, "recall"), allRecall = mean("vigor_all", "recall");
        var trained = DemoConfig.Trained.Select(c => c.Name).ToList();
        var lowest = configs.OrderBy(c => c.Metrics["chair_i"].Mean).First();
        double reduction = baseChair == 0 ? 0 : 1 - (allChair / baseChair);
        double recallChange = baseRecall == 0 ? 0 : (allRecall / baseRecall) - 1;
        var beaten = SingleStreams.Where(s => mean(s, "chair_i") < baseChair).ToList();
        double fine = mean("vigor_rm", "chair_i"), holistic = mean("vigor_rm_holistic", "chair_i");
        IReadOnlyList<ReportClaim> claims =
        [
            new("all_hallucinates_least", "ViGoR-All has the lowest CHAIRi of all configurations.", lowest.Name == "vigor_all",
                $"Lowest CHAIRi: {lowest.Label} ({P(lowest.Metrics["chair_i"].Mean)}); ViGoR-All {P(allChair)}."),
            new("all_chair_i_30pct_lower", "ViGoR-All's CHAIRi is at least 30% lower than the base's (relative).", baseChair > 0 && reduction >= 0.3,
                $"Base {P(baseChair)}, ViGoR-All {P(allChair)}: {P(reduction)} lower."),
            new("all_recall_within_10pct", "ViGoR-All's object recall stays within 10% of the base's (relative).", Math.Abs(recallChange) <= 0.1,
                $"Base {P(baseRecall)}, ViGoR-All {P(allRecall)}: {(recallChange >= 0 ? "+" : string.Empty)}{P(recallChange)}."),
            new("each_stream_beats_base", "Each single stream (ViGoR-AT, ViGoR-RM fine-grained, ViGoR-RM holistic) has a lower CHAIRi than the base.", beaten.Count == SingleStreams.Count,
                string.Join("; ", SingleStreams.Select(s => $"{Label(s)} {P(mean(s, "chair_i"))}")) + $" vs base {P(baseChair)}."),
            new("fine_grained_beats_holistic", "Fine-grained reward modelling gives a lower CHAIRi than holistic.", fine < holistic,
                $"Fine-grained {P(fine)}, holistic {P(holistic)}."),
        ];
        return diagnostics is null
            ? claims
            : claims.Select(c => c with { LikelyCause = diagnostics.LikelyCause(c.Name, c.Held, mean) }).ToList();
    }

    /// <summary>results.json: seeds, per configuration every metric's mean and std, the claims, the notes, and (when given) the base's calibration and each configuration's supervision diagnostics.</summary>
    public static string Json(IReadOnlyList<int> seeds, IReadOnlyList<ReportConfig> configs, IReadOnlyList<ReportClaim> claims, IEnumerable<string> notes, JsonObject? calibration = null, JsonObject? supervision = null, JsonObject? supervisionVariants = null)
    {
        var results = new JsonObject();
        foreach (var config in configs)
        {
            var metrics = new JsonObject();
            foreach (var key in HeadlineMetrics.Concat(config.Metrics.Keys.Where(k => !HeadlineMetrics.Contains(k)).Order(StringComparer.Ordinal)))
            {
                if (config.Metrics.TryGetValue(key, out var m))
                {
                    metrics[key] = new JsonObject { ["mean"] = m.Mean, ["std"] = m.Std, ["per_seed"] = new JsonArray(config.PerSeed[key].Select(v => (JsonNode)v).ToArray()) };
                }
            }

            results[config.Name] = metrics;
        }

        var claimNodes = new JsonObject();
        foreach (var claim in claims)
        {
            var node = new JsonObject { ["held"] = claim.Held, ["statement"] = claim.Statement, ["detail"] = claim.Detail };
            if (claim.LikelyCause is not null)
            {
                node["likely_cause"] = claim.LikelyCause;
            }

            claimNodes[claim.Name] = node;
        }

        var root = new JsonObject
        {
            ["seeds"] = new JsonArray(seeds.Select(s => (JsonNode)s).ToArray()),
            ["results"] = results,
            ["claims"] = claimNodes,
            ["notes"] = new JsonArray(notes.Select(n => (JsonNode)n).ToArray()),
        };
        if (calibration is not null)
        {
            root["calibration"] = calibration;
        }

        if (supervision is not null)
        {
            root["supervision"] = supervision;
        }

        if (supervisionVariants is not null)
        {
            // The reward signal and the selection order, each measured against the paper's on the validation split.
            root["supervision_variants"] = supervisionVariants;
        }

        return root.ToJsonString(Indented) + "\n";
    }

    /// <summary>Mean and sample standard deviation (0 for one value).</summary>
    public static MetricSummary Summary(IReadOnlyList<double> values)
    {
        double mean = values.Average();
        double std = values.Count < 2 ? 0 : Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
        return new MetricSummary(mean, std);
    }
}
