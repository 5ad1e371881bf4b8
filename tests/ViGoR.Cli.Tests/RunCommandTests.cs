using Spectre.Console.Cli;
using ViGoR.Cli.Commands;

namespace ViGoR.Cli.Tests;

public sealed class RunCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vigor-cli-run-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static Task<int> RunAsync(params string[] args)
    {
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.PropagateExceptions();
            config.AddCommand<DemoCommand>("demo");
            config.AddCommand<RunCommand>("run");
            config.AddCommand<MergeCommand>("merge");
        });
        return app.RunAsync(args);
    }

    [Fact]
    public async Task Demo_runs_the_pipeline_on_the_embedded_default()
    {
        var exit = await RunAsync("demo", "--out", _folder);

        Assert.Equal(0, exit);
        var records = SupervisionJournal.Read(Path.Combine(_folder, "round-0", "supervision.jsonl"));
        Assert.Equal(["000000081552.jpg", "000000165257.jpg", "000000457882.jpg"], records.Select(r => r.ImageId));
        Assert.All(records, r => Assert.Equal(5, r.Samples.Count));
        Assert.Contains(records, r => r.Status == SupervisionStatus.Ok);

        // Every dropped sentence names a COCO object that the image's ground-truth boxes lack.
        var categories = File.ReadLines(Path.Combine(_folder, "demo_boxes.jsonl"))
            .Select(line => System.Text.Json.JsonDocument.Parse(line).RootElement)
            .ToDictionary(
                e => e.GetProperty("image").GetString()!,
                e => e.GetProperty("instances").EnumerateArray().Select(i => i.GetProperty("category").GetString()!).ToHashSet());
        foreach (var record in records)
        {
            foreach (var missing in record.Dropped.SelectMany(d => d.MissingObjects))
            {
                Assert.True(ViGoR.Evaluation.CocoVocabulary.Default.TryGetCategory(missing, out var category), $"'{missing}' is not a COCO word");
                Assert.DoesNotContain(category, categories[record.ImageId]);
            }
        }

        // The chosen sample has the least combined penalty of the five.
        foreach (var record in records.Where(r => r.Chosen is not null))
        {
            var chosen = record.Samples[record.Chosen!.Value];
            Assert.All(record.Samples.Where(s => s.Rank >= 0), s => Assert.True(chosen.CombinedPenalty <= s.CombinedPenalty + 1e-12));
        }
    }

    [Fact]
    public async Task Chunks_cover_the_data_set_and_merge_back_in_order()
    {
        var demo = Path.Combine(_folder, "demo");
        await RunAsync("demo", "--out", demo);
        var samples = Path.Combine(demo, "demo_samples.jsonl");
        var boxes = Path.Combine(demo, "demo_boxes.jsonl");

        for (var chunk = 0; chunk < 2; chunk++)
        {
            Assert.Equal(0, await RunAsync("run", "--samples", samples, "--annotations", boxes, "--work", _folder, "--num-chunks", "2", "--chunk-idx", chunk.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        var shards = new[] { 0, 1 }.Select(i => Path.Combine(_folder, $"supervision.chunk-{i}-of-2.jsonl")).ToArray();
        Assert.Equal(2, SupervisionJournal.Read(shards[0]).Count);
        Assert.Single(SupervisionJournal.Read(shards[1]));

        var merged = Path.Combine(_folder, "merged.jsonl");
        Assert.Equal(0, await RunAsync(["merge", "--out", merged, .. shards]));
        Assert.Equal(["000000081552.jpg", "000000165257.jpg", "000000457882.jpg"], SupervisionJournal.Read(merged).Select(r => r.ImageId));
    }

    [Fact]
    public async Task Run_refuses_contradictory_flags_with_a_clear_message()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => RunAsync("run", "--work", _folder));

        Assert.Contains("--model", error.Message);
    }
}
