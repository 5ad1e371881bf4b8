using System.Globalization;
using System.Text.Json;

namespace ViGoR.Cli.Demo.Run;

/// <summary>
/// What a finished demo folder says about why a claim did or did not reproduce: how often the base
/// model's own sentences are wrong (by the simulated annotators), how well each reward model separates
/// wrong sentences from right ones on held-out annotations, and how many training images kept a target
/// after each configuration's refinement.
/// </summary>
internal sealed record DemoDiagnostics(
    double BaseSentenceErrorRate,
    double BaseObjectHallucinationRate,
    double? FineGrainedRocAuc,
    double? HolisticRocAuc,
    IReadOnlyDictionary<string, double> TargetsPerConfig,
    int TrainImages)
{
    public static DemoDiagnostics Read(DemoRunner runner)
    {
        var annotations = Annotations.Read(Path.Combine(runner.RewardDirectory, "annotations.jsonl")).Descriptions;
        var sentences = annotations.SelectMany(d => d.Sentences).ToList();
        double errorRate = sentences.Count == 0 ? 0 : sentences.Count(s => !s.IsCorrect) / (double)sentences.Count;
        double hallucinationRate = sentences.Count == 0 ? 0 : sentences.Count(s => s.Errors.Contains(SentenceErrorKind.ObjectHallucination)) / (double)sentences.Count;
        var targets = DemoConfig.Trained.ToDictionary(
            c => c.Name,
            c => runner.Settings.Seeds.Average(seed => SupervisionJournal.Read(runner.JournalPath(seed, c.Name)).Count(r => r.Status == SupervisionStatus.Ok && !string.IsNullOrWhiteSpace(r.Target))),
            StringComparer.Ordinal);
        return new DemoDiagnostics(errorRate, hallucinationRate, RocAuc(runner.RewardModelDirectory(false)), RocAuc(runner.RewardModelDirectory(true)), targets, runner.Settings.TrainImages);
    }

    /// <summary>Why a claim that did not hold probably failed, from these figures; null when it held.</summary>
    public string? LikelyCause(string claim, bool held, Func<string, string, double> mean)
    {
        if (held)
        {
            return null;
        }

        string P(double v) => (v * 100).ToString("0", CultureInfo.InvariantCulture) + "%";
        string Auc(double? v) => v is { } a ? a.ToString("0.00", CultureInfo.InvariantCulture) : "n/a";
        string T(string config) => TargetsPerConfig[config].ToString("0", CultureInfo.InvariantCulture) + "/" + TrainImages.ToString(CultureInfo.InvariantCulture);
        var vision = $"The tiny base model's own vision is weak: the annotators find an error in {P(BaseSentenceErrorRate)} of its sentences ({P(BaseObjectHallucinationRate)} name an absent object), far more than LLaVA's, so the k = 5 samples mostly share their errors and selection has little to choose from.";
        return claim switch
        {
            "all_hallucinates_least" => $"ViGoR-All refines with both streams, so it drops the union of their flagged sentences and keeps a target for fewer images ({T("vigor_all")} against ViGoR-RM's {T("vigor_rm")} and ViGoR-AT's {T("vigor_at")}); at this scale the detector's extra drops (with its 10% misses) do not pay for the data they cost.",
            "all_chair_i_30pct_lower" => vision + $" The fine-grained reward model separates wrong sentences from right ones only weakly (held-out ROC AUC {Auc(FineGrainedRocAuc)}).",
            "all_recall_within_10pct" => $"Refinement drops sentences, so the targets are shorter (the fine-tuned model says {mean("vigor_all", "words").ToString("0.0", CultureInfo.InvariantCulture)} words per description against the base's {mean(DemoConfig.Base, "words").ToString("0.0", CultureInfo.InvariantCulture)}); with most of the base's sentences wrong, what is dropped also carries correct objects.",
            "each_stream_beats_base" or "fine_grained_beats_holistic" => $"The holistic reward model gives one judgement per description (held-out ROC AUC {Auc(HolisticRocAuc)} on whole descriptions; the fine-grained one {Auc(FineGrainedRocAuc)} on sentences). It cannot say which sentence is wrong, so refinement drops nothing ({T("vigor_rm_holistic")} images keep a target, whole), and the chosen samples keep their hallucinations for fine-tuning to learn.",
            _ => null,
        };
    }

    private static double? RocAuc(string directory)
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
