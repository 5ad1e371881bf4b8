using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using ViGoR.Cli.Demo.Run;
using ViGoR.ShapesWorld;

namespace ViGoR.Cli.Demo.Report;

/// <summary>Gathers what report.html shows from a finished demo folder: results, calibration, claims, supervision diagnostics, the reward distributions of the first seed, and per seed one training image as every configuration supervised it.</summary>
internal static class DemoReportBuilder
{
    public static async Task<DemoReportModel> BuildAsync(DemoRunner runner, IReadOnlyList<ReportConfig> configs, IReadOnlyList<ReportClaim> claims, IReadOnlyList<string> notes, JsonObject? calibration, DemoDiagnostics diagnostics, CancellationToken cancellationToken)
    {
        int first = runner.Settings.Seeds[0];
        var all = SupervisionJournal.Read(runner.JournalPath(first, "vigor_all"));
        var holistic = SupervisionJournal.Read(runner.JournalPath(first, "vigor_rm_holistic"));
        var distributions = new SortedDictionary<string, IReadOnlyList<double>>(StringComparer.Ordinal);
        foreach (var stream in all.SelectMany(r => r.Samples).SelectMany(s => s.Streams.Keys).Distinct(StringComparer.Ordinal))
        {
            distributions[$"{stream} (seed {first})"] = all.SelectMany(r => r.Samples).Where(s => s.Streams.ContainsKey(stream)).Select(s => s.Streams[stream].Penalty).ToList();
        }

        distributions[$"reward_model, holistic (seed {first})"] = holistic.SelectMany(r => r.Samples).Where(s => s.Streams.ContainsKey(RewardStreams.RewardModel)).Select(s => s.Streams[RewardStreams.RewardModel].Penalty).ToList();

        var examples = new List<ReportExample>();
        foreach (var seed in runner.Settings.Seeds)
        {
            examples.AddRange(await ExamplesAsync(runner, seed, cancellationToken));
        }

        var mean = DemoResults.Means(configs);
        return new DemoReportModel("ViGoR in miniature: ShapesWorld", runner.Settings.Seeds, notes, configs, claims, distributions, examples)
        {
            Calibration = Calibration(calibration),
            Supervision = DemoConfig.Trained.Select(c => new ReportSupervision(c.Name, diagnostics.Supervision[c.Name], diagnostics.WeakLinkOf(c.Name, mean))).ToList(),
            Variants = runner.Variants,
        };
    }

    /// <summary>
    /// One training image of <paramref name="seed"/> as each configuration supervised it, so that their
    /// selections and refinements can be compared on the same k samples: the first image whose ViGoR-All
    /// refinement dropped a sentence (else the first with a target, else the first).
    /// </summary>
    private static async Task<List<ReportExample>> ExamplesAsync(DemoRunner runner, int seed, CancellationToken cancellationToken)
    {
        var journals = DemoConfig.Trained.ToDictionary(c => c.Name, c => SupervisionJournal.Read(runner.JournalPath(seed, c.Name)), StringComparer.Ordinal);
        var shown = journals["vigor_all"].OrderByDescending(r => r.Dropped.Count > 0).ThenByDescending(r => r.Status == SupervisionStatus.Ok).FirstOrDefault();
        if (shown is null)
        {
            return [];
        }

        var scene = runner.World.Train.Scene(shown.ImageId);
        var services = new ServiceCollection().AddLogging();
        runner.UseDetector(services.AddViGoR(), seed);
        await using var provider = services.BuildServiceProvider();
        var detector = provider.GetRequiredService<IGroundingDetector>();
        var phrases = ShapesWorldKinds.All.Select(k => k.Word).ToList();
        var detections = await detector.DetectAsync(ImageInput.FromFile(runner.World.Train.ImagePath(scene), scene.FileName), phrases, new GroundingOptions(), cancellationToken);
        var truth = scene.Objects.Select(o => new ReportBox(o.Kind.Word, o.X, o.Y, o.X + o.Width, o.Y + o.Height)).ToList();
        var detected = detections.Select(d => new ReportBox(d.Query ?? d.Label, d.Box.X1, d.Box.Y1, d.Box.X2, d.Box.Y2)).ToList();
        var png = scene.Image.EncodePng();
        return DemoConfig.Trained
            .Select(c => (Config: c, Record: journals[c.Name].FirstOrDefault(r => r.ImageId == shown.ImageId)))
            .Where(x => x.Record is not null)

            // The detector's boxes only where the automatic stream asked it: a reward-model configuration never saw them.
            .Select(x => new ReportExample(x.Config.Label, png, scene.Width, scene.Height, truth, x.Config.Sources == RewardSources.RewardModel ? [] : detected, x.Record!) { Seed = seed })
            .ToList();
    }

    /// <summary>The calibration node of results.json (<see cref="DemoCalibration.Json"/>), as the report shows it.</summary>
    private static ReportCalibration? Calibration(JsonObject? node) => node is null ? null : new(
        node["images"]!.GetValue<int>(),
        node["targets"]!.AsObject().Select(t => new ReportCalibrationTarget(t.Key, t.Value!["statement"]!.GetValue<string>(), t.Value["measured"]?.GetValue<double>(), t.Value["held"]!.GetValue<bool>())).ToList());
}
