using Microsoft.Extensions.DependencyInjection;
using ViGoR.Cli.Demo.Run;
using ViGoR.ShapesWorld;

namespace ViGoR.Cli.Demo.Report;

/// <summary>Gathers what report.html shows from a finished demo folder: results, claims, supervision diagnostics, the reward distributions and a few training images of the first seed.</summary>
internal static class DemoReportBuilder
{
    private const int ExampleCount = 4;

    public static async Task<DemoReportModel> BuildAsync(DemoRunner runner, IReadOnlyList<ReportConfig> configs, IReadOnlyList<ReportClaim> claims, IReadOnlyList<string> notes, DemoDiagnostics diagnostics, CancellationToken cancellationToken)
    {
        int seed = runner.Settings.Seeds[0];
        var all = SupervisionJournal.Read(runner.JournalPath(seed, "vigor_all"));
        var holistic = SupervisionJournal.Read(runner.JournalPath(seed, "vigor_rm_holistic"));
        var distributions = new SortedDictionary<string, IReadOnlyList<double>>(StringComparer.Ordinal);
        foreach (var stream in all.SelectMany(r => r.Samples).SelectMany(s => s.Streams.Keys).Distinct(StringComparer.Ordinal))
        {
            distributions[$"{stream} (seed {seed})"] = all.SelectMany(r => r.Samples).Where(s => s.Streams.ContainsKey(stream)).Select(s => s.Streams[stream].Penalty).ToList();
        }

        distributions[$"reward_model, holistic (seed {seed})"] = holistic.SelectMany(r => r.Samples).Where(s => s.Streams.ContainsKey(RewardStreams.RewardModel)).Select(s => s.Streams[RewardStreams.RewardModel].Penalty).ToList();

        var services = new ServiceCollection().AddLogging();
        runner.UseDetector(services.AddViGoR(), seed);
        await using var provider = services.BuildServiceProvider();
        var detector = provider.GetRequiredService<IGroundingDetector>();
        var phrases = ShapesWorldKinds.All.Select(k => k.Word).ToList();
        var examples = new List<ReportExample>();
        foreach (var record in all.Where(r => r.Status == SupervisionStatus.Ok).OrderByDescending(r => r.Dropped.Count > 0).Take(ExampleCount))
        {
            var scene = runner.World.Train.Scene(record.ImageId);
            var detections = await detector.DetectAsync(ImageInput.FromFile(runner.World.Train.ImagePath(scene), scene.FileName), phrases, new GroundingOptions(), cancellationToken);
            examples.Add(new ReportExample(
                "ViGoR-All",
                scene.Image.EncodePng(),
                scene.Width,
                scene.Height,
                scene.Objects.Select(o => new ReportBox(o.Kind.Word, o.X, o.Y, o.X + o.Width, o.Y + o.Height)).ToList(),
                detections.Select(d => new ReportBox(d.Query ?? d.Label, d.Box.X1, d.Box.Y1, d.Box.X2, d.Box.Y2)).ToList(),
                record));
        }

        var mean = DemoResults.Means(configs);
        return new DemoReportModel("ViGoR in miniature: ShapesWorld", runner.Settings.Seeds, notes, configs, claims, distributions, examples)
        {
            Supervision = DemoConfig.Trained.Select(c => new ReportSupervision(c.Name, diagnostics.Supervision[c.Name], diagnostics.WeakLinkOf(c.Name, mean))).ToList(),
        };
    }
}
