using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ViGoR.ShapesWorld;

namespace ViGoR.Cli.Demo.Run;

/// <summary>Which stage of a configuration loses most against ground truth, and the figures that say so.</summary>
/// <param name="Stage"><c>selection</c>, <c>refinement</c> or <c>fine_tuning</c>.</param>
/// <param name="Evidence">The measured figures behind it (<c>targets' CHAIRi 2.6% vs fine-tuned model's 53.1%</c>).</param>
/// <param name="Context">What else bears on it, in parentheses with a leading space, or empty.</param>
internal sealed record WeakLink(string Stage, string Evidence, string Context = "")
{
    /// <summary>The stage as a reader names it: <c>fine-tuning</c>.</summary>
    public string StageName => Stage.Replace('_', '-');

    /// <summary>The evidence, the verdict and the context in one sentence (no full stop).</summary>
    public string Explanation => $"{Evidence}: {StageName} is the weak link{Context}";
}

/// <summary>
/// What a finished demo folder says about why a claim did or did not reproduce: each configuration's
/// supervision measured against ShapesWorld's ground truth (<see cref="SupervisionDiagnostics"/>, pooled
/// over the seeds' journals), read beside the fine-tuned models' test-split figures, and the fine-grained
/// reward model's held-out ROC AUC (which the calibration reports).
/// </summary>
internal sealed record DemoDiagnostics(double? FineGrainedRocAuc, IReadOnlyDictionary<string, SupervisionDiagnostics> Supervision)
{
    public static DemoDiagnostics Read(DemoRunner runner)
    {
        var supervision = DemoConfig.Trained.ToDictionary(
            c => c.Name,
            c => SupervisionDiagnostics.Compute(runner.Settings.Seeds.SelectMany(seed => SupervisionJournal.Read(runner.JournalPath(seed, c.Name))), runner.World.Train.Scenes, c.Granularity),
            StringComparer.Ordinal);
        return new DemoDiagnostics(HeldOutRocAuc(runner.RewardModelDirectory(holistic: false)), supervision);
    }

    /// <summary>
    /// The stage that loses most CHAIRi points against what it could reach: selection (the chosen samples
    /// against the ground-truth best of k), refinement (the hallucinated mentions it leaves in the targets)
    /// or fine-tuning (the fine-tuned model on the test split against its targets). A configuration whose
    /// refinement left no target at all was never fine-tuned, and refinement is its weak link.
    /// </summary>
    /// <param name="config">A trained configuration's name.</param>
    /// <param name="mean">The mean over seeds of a configuration's test-split metric.</param>
    public WeakLink WeakLinkOf(string config, Func<string, string, double> mean)
    {
        var s = Supervision[config];
        double fineTuned = mean(config, "chair_i");
        if (s.Targets.Descriptions == 0)
        {
            return new("refinement", $"refinement left no image a target (0 of {s.Images}), so nothing was fine-tuned and the base model stands in");
        }

        var stages = new (string Stage, double Loss, string Evidence)[]
        {
            ("selection", s.Chosen.ChairI - s.BestOfK.ChairI, $"chosen samples' CHAIRi {P(s.Chosen.ChairI)} against {P(s.BestOfK.ChairI)} for the ground-truth best of k (all samples {P(s.Samples.ChairI)})"),
            ("refinement", s.Targets.ChairI, $"targets' CHAIRi {P(s.Targets.ChairI)} after refining chosen samples at {P(s.Chosen.ChairI)} (the ground-truth best of k: {P(s.BestOfK.ChairI)})"),
            ("fine_tuning", fineTuned - s.Targets.ChairI, $"targets' CHAIRi {P(s.Targets.ChairI)} vs fine-tuned model's {P(fineTuned)} (test split; base {P(mean(DemoConfig.Base, "chair_i"))})"),
        };
        var weakest = stages.MaxBy(x => x.Loss);

        // Selection and refinement by the reward model are only as good as its ranking of what is wrong.
        var auc = weakest.Stage != "fine_tuning" && s.RewardModelRocAuc is { } a
            ? string.Create(CultureInfo.InvariantCulture, $" (the reward model ranks wrong above right {Units(config)} with ROC AUC {a:0.00}, n = {s.RewardModelJudged})")
            : string.Empty;
        return new(weakest.Stage, weakest.Evidence, auc);
    }

    /// <summary>Why a claim that did not hold probably failed, stated from the measured figures; null when it held.</summary>
    public string? LikelyCause(string claim, bool held, Func<string, string, double> mean)
    {
        if (held)
        {
            return null;
        }

        string Weak(string config) => $"{DemoResults.Label(config)}: {WeakLinkOf(config, mean).Explanation}.";
        return claim switch
        {
            "all_hallucinates_least" => Lowest(mean) is var lowest && lowest != DemoConfig.Base
                ? $"{Targets(lowest)}; {Targets("vigor_all")}. {Weak("vigor_all")}"
                : Weak("vigor_all"),
            "all_chair_i_30pct_lower" => Weak("vigor_all"),
            "all_recall_within_10pct" => RecallLoss("vigor_all", mean),
            "each_stream_beats_base" => string.Join(" ", DemoResults.SingleStreams.Where(c => mean(c, "chair_i") >= mean(DemoConfig.Base, "chair_i")).Select(Weak)),
            "fine_grained_beats_holistic" => $"{Weak("vigor_rm")} {Weak("vigor_rm_holistic")}",
            _ => null,
        };
    }

    /// <summary>results.json's <c>supervision</c> node: per trained configuration, its diagnostics pooled over the seeds and its weak link.</summary>
    public JsonObject Json(Func<string, string, double> mean)
    {
        var root = new JsonObject();
        foreach (var (config, s) in Supervision)
        {
            var weak = WeakLinkOf(config, mean);
            var node = Figures(s);
            node["weak_link"] = weak.Stage;
            node["weak_link_detail"] = weak.Explanation;
            root[config] = node;
        }

        return root;
    }

    /// <summary>One configuration's supervision figures as results.json writes them.</summary>
    public static JsonObject Figures(SupervisionDiagnostics s)
    {
        static JsonObject Counts(ObjectCounts c) => new()
        {
            ["descriptions"] = c.Descriptions,
            ["mentioned"] = c.Mentioned,
            ["hallucinated"] = c.Hallucinated,
            ["present"] = c.Present,
            ["recalled"] = c.Recalled,
            ["chair_i"] = c.ChairI,
            ["recall"] = c.Recall,
        };

        return new JsonObject
        {
            ["images"] = s.Images,
            ["images_without_target"] = s.ImagesWithoutTarget,
            ["samples"] = Counts(s.Samples),
            ["best_of_k"] = Counts(s.BestOfK),
            ["chosen"] = Counts(s.Chosen),
            ["targets"] = Counts(s.Targets),
            ["chosen_shortest"] = new JsonObject { ["count"] = s.ChosenShortest, ["of"] = s.ChosenImages },
            ["reward_model_roc_auc"] = s.RewardModelRocAuc,
            ["reward_model_judged"] = s.RewardModelJudged,
        };
    }

    /// <summary>Where object recall is lost on the way from the samples to the fine-tuned model: the stage with the largest drop.</summary>
    private string RecallLoss(string config, Func<string, string, double> mean)
    {
        var s = Supervision[config];
        double fineTuned = mean(config, "recall"), baseRecall = mean(DemoConfig.Base, "recall");
        var chain = $"Object recall: all samples {P(s.Samples.Recall)}, chosen {P(s.Chosen.Recall)}, targets {(s.Targets.Descriptions == 0 ? "none" : P(s.Targets.Recall))} ({Kept(config)} images kept one), fine-tuned model {P(fineTuned)} (test split; base {P(baseRecall)})";
        if (fineTuned > baseRecall)
        {
            return chain + ": recall rose.";
        }

        var drops = new (string Stage, double Drop)[]
        {
            ("selection", s.Samples.Recall - s.Chosen.Recall),
            ("refinement", s.Chosen.Recall - s.Targets.Recall),
            ("fine-tuning", s.Targets.Recall - fineTuned),
        };
        var largest = drops.MaxBy(d => d.Drop);
        return $"{chain}: {largest.Stage} loses most ({(largest.Drop * 100).ToString("0.0", CultureInfo.InvariantCulture)} points).";
    }

    private static string Lowest(Func<string, string, double> mean) =>
        new[] { DemoConfig.Base }.Concat(DemoConfig.Trained.Select(c => c.Name)).MinBy(c => mean(c, "chair_i"))!;

    private string Targets(string config) => Supervision[config].Targets.Descriptions == 0
        ? $"{DemoResults.Label(config)} kept no target (0/{Supervision[config].Images})"
        : $"{DemoResults.Label(config)}'s targets have CHAIRi {P(Supervision[config].Targets.ChairI)} ({Kept(config)} images kept one)";

    private string Kept(string config) => $"{Supervision[config].Images - Supervision[config].ImagesWithoutTarget}/{Supervision[config].Images}";

    private static string Units(string config) => DemoConfig.Trained.First(c => c.Name == config).Granularity == RewardGranularity.Holistic ? "descriptions" : "sentences";

    private static string P(double v) => (v * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    private static double? HeldOutRocAuc(string directory)
    {
        var path = Path.Combine(directory, "metrics.json");
        if (!File.Exists(path))
        {
            return null;
        }

        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.TryGetProperty("roc_auc", out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
    }
}
