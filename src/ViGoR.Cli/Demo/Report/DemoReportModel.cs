using ViGoR.Cli.Demo.Run;
using ViGoR.ShapesWorld;

namespace ViGoR.Cli.Demo.Report;

/// <summary>A box to draw over an example image, in the image's pixels.</summary>
internal sealed record ReportBox(string Label, double X1, double Y1, double X2, double Y2);

/// <summary>One training image of the run, as the report shows it: the picture, its ground-truth and detected boxes, and its journal record (the k samples with per-sentence signals of every stream, the chosen sample, the refined target and the dropped sentences).</summary>
internal sealed record ReportExample(string Config, byte[] Png, int Width, int Height, IReadOnlyList<ReportBox> GroundTruth, IReadOnlyList<ReportBox> Detected, SupervisionRecord Record)
{
    /// <summary>The seed whose journal the record is from, named in the example's heading.</summary>
    public int? Seed { get; init; }
}

/// <summary>One configuration's supervision against ground truth (pooled over seeds) and the stage that loses most.</summary>
/// <param name="Config">The configuration's name (a key of the results).</param>
/// <param name="Figures">The diagnostics of its journals.</param>
/// <param name="WeakLink">The weak stage and the figures behind it.</param>
internal sealed record ReportSupervision(string Config, SupervisionDiagnostics Figures, WeakLink WeakLink);

/// <summary>One calibration target of the base model, as results.json's <c>calibration.targets</c> holds it.</summary>
/// <param name="Name">The target's key.</param>
/// <param name="Statement">The target in words, with its source.</param>
/// <param name="Measured">The measured value (null: not measured).</param>
/// <param name="Held">Whether the measured value meets the target.</param>
internal sealed record ReportCalibrationTarget(string Name, string Statement, double? Measured, bool Held);

/// <summary>The base model's calibration on the validation split.</summary>
/// <param name="Images">Validation images per seed.</param>
/// <param name="Targets">Each target with its measured value.</param>
internal sealed record ReportCalibration(int Images, IReadOnlyList<ReportCalibrationTarget> Targets);

/// <summary>Mean and sample standard deviation of a metric over the seeds.</summary>
internal sealed record MetricSummary(double Mean, double Std);

/// <summary>One configuration's results: per metric (<c>chair_i</c>, <c>chair_s</c>, <c>recall</c>, <c>words</c>, <c>pope_f1</c>, <c>pope_accuracy_random</c>, ...), the summary over seeds and the per-seed values.</summary>
internal sealed record ReportConfig(string Name, string Label, IReadOnlyDictionary<string, MetricSummary> Metrics, IReadOnlyDictionary<string, IReadOnlyList<double>> PerSeed);

/// <summary>A claim of the paper and whether the run reproduced it; for one that did not, what probably caused it.</summary>
internal sealed record ReportClaim(string Name, string Statement, bool Held, string Detail, string? LikelyCause = null)
{
    /// <summary>The detail, followed by the likely cause when there is one.</summary>
    public string Explanation => LikelyCause is null ? Detail : $"{Detail} Likely cause: {LikelyCause}";
}

/// <summary>Everything report.html shows.</summary>
/// <param name="Title">The page title.</param>
/// <param name="Seeds">The run's seeds.</param>
/// <param name="Setup">Lines describing the run (world, model, detector noise, annotator noise, budgets); each shown as a list item.</param>
/// <param name="Configs">Results per configuration, base first.</param>
/// <param name="Claims">The paper's claims and whether they held.</param>
/// <param name="RewardDistributions">Per reward stream (e.g. "automatic", "reward_model"), the penalty of every scored sample: plotted as histograms.</param>
/// <param name="Examples">A few training images with their journal records.</param>
internal sealed record DemoReportModel(
    string Title,
    IReadOnlyList<int> Seeds,
    IReadOnlyList<string> Setup,
    IReadOnlyList<ReportConfig> Configs,
    IReadOnlyList<ReportClaim> Claims,
    IReadOnlyDictionary<string, IReadOnlyList<double>> RewardDistributions,
    IReadOnlyList<ReportExample> Examples)
{
    /// <summary>The base model's calibration, when the run measured it.</summary>
    public ReportCalibration? Calibration { get; init; }

    /// <summary>Each trained configuration's supervision against ground truth, in the order of <see cref="Configs"/>.</summary>
    public IReadOnlyList<ReportSupervision> Supervision { get; init; } = [];

    /// <summary>The reward signal and selection order compared on the validation split, keyed <c>config/signal/order</c>.</summary>
    public IReadOnlyDictionary<string, SupervisionDiagnostics> Variants { get; init; } = new Dictionary<string, SupervisionDiagnostics>();
}
