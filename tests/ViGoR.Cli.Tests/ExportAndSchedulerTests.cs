using System.Text.Json;
using ViGoR.Cli.Commands;

namespace ViGoR.Cli.Tests;

public sealed class ExportAndSchedulerTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vigor-export-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private async Task<(string Samples, string Boxes, string Journal)> DemoAsync()
    {
        var demo = Path.Combine(_folder, "demo");
        Assert.Equal(0, await RecordedCoco.RunAsync(args => VigorApp.Create().RunAsync(args), demo));
        return (Path.Combine(demo, "demo_samples.jsonl"), Path.Combine(demo, "demo_boxes.jsonl"), Path.Combine(demo, "round-0", "supervision.jsonl"));
    }

    [Fact]
    public async Task Export_llava_writes_llavas_conversation_format_field_by_field()
    {
        var (_, _, journal) = await DemoAsync();
        var output = Path.Combine(_folder, "train.json");

        Assert.Equal(0, await VigorApp.Create().RunAsync(["export", "llava", "--journal", journal, "--out", output]));

        var records = SupervisionJournal.Read(journal).Where(r => r.Status == SupervisionStatus.Ok).ToList();
        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(output));
        var entries = document.RootElement.EnumerateArray().ToList();
        Assert.Equal(records.Count, entries.Count);
        for (var i = 0; i < entries.Count; i++)
        {
            // llava/train/train.py reads exactly these keys; the human turn carries the image token first.
            var entry = entries[i];
            Assert.Equal(["id", "image", "conversations"], entry.EnumerateObject().Select(p => p.Name));
            Assert.Equal(records[i].ImageId, entry.GetProperty("id").GetString());
            Assert.Equal(records[i].Image ?? records[i].ImageId, entry.GetProperty("image").GetString());
            var turns = entry.GetProperty("conversations").EnumerateArray().ToList();
            Assert.Equal(2, turns.Count);
            Assert.Equal(["from", "value"], turns[0].EnumerateObject().Select(p => p.Name));
            Assert.Equal("human", turns[0].GetProperty("from").GetString());
            Assert.Equal("<image>\n" + records[i].Prompt, turns[0].GetProperty("value").GetString());
            Assert.Equal("gpt", turns[1].GetProperty("from").GetString());
            Assert.Equal(records[i].Target, turns[1].GetProperty("value").GetString());
        }
    }

    [Fact]
    public async Task Export_pairs_prefers_the_refined_target_over_the_most_penalised_sample()
    {
        var (_, _, journal) = await DemoAsync();
        var output = Path.Combine(_folder, "pairs.jsonl");

        await VigorApp.Create().RunAsync(["export", "pairs", "--journal", journal, "--out", output]);

        var records = SupervisionJournal.Read(journal).ToDictionary(r => r.ImageId);
        var lines = await File.ReadAllLinesAsync(output);
        Assert.NotEmpty(lines);
        foreach (var line in lines)
        {
            var pair = JsonDocument.Parse(line).RootElement;
            var record = records[pair.GetProperty("id").GetString()!];
            var worst = record.Samples.Where(s => s.Rank is not null).MaxBy(s => s.Rank)!;
            Assert.Equal(record.Target, pair.GetProperty("chosen").GetString());
            Assert.Equal(worst.Text, pair.GetProperty("rejected").GetString());
            Assert.Equal(record.Prompt, pair.GetProperty("prompt").GetString());
            Assert.True(record.Samples[record.Chosen!.Value].CombinedPenalty < worst.CombinedPenalty);
            Assert.Equal(1.0, pair.GetProperty("weight").GetDouble());
            Assert.Single(pair.GetProperty("images").EnumerateArray());
        }
    }

    [Fact]
    public async Task Export_refuses_a_scores_journal()
    {
        var (samples, boxes, _) = await DemoAsync();
        var work = Path.Combine(_folder, "chunks");
        await VigorApp.Create().RunAsync(["run", "--samples", samples, "--annotations", boxes, "--work", work, "--num-chunks", "2", "--chunk-idx", "0"]);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => VigorApp.Create().RunAsync(["export", "llava", "--journal", Path.Combine(work, "scores.chunk-0-of-2.jsonl"), "--out", Path.Combine(_folder, "x.json")]));

        Assert.Contains("scores journal", error.Message);
    }

    [Theory]
    [InlineData("slurm")]
    [InlineData("kubernetes")]
    public async Task Three_chunk_processes_given_only_the_schedulers_variables_merge_into_the_unsharded_run(string scheduler)
    {
        var (samples, boxes, _) = await DemoAsync();
        var whole = Path.Combine(_folder, "whole");
        Assert.Equal(0, await VigorApp.Create().RunAsync(["run", "--samples", samples, "--annotations", boxes, "--work", whole]));

        var work = Path.Combine(_folder, "array");
        for (var task = 0; task < 3; task++)
        {
            var args = new List<string> { "run", "--samples", samples, "--annotations", boxes, "--work", work };
            var environment = new Dictionary<string, string>();
            if (scheduler == "slurm")
            {
                // An array declared --array=1-3: ids start at SLURM_ARRAY_TASK_MIN.
                environment["SLURM_ARRAY_TASK_ID"] = (task + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
                environment["SLURM_ARRAY_TASK_MIN"] = "1";
                environment["SLURM_ARRAY_TASK_COUNT"] = "3";
            }
            else
            {
                environment["JOB_COMPLETION_INDEX"] = task.ToString(System.Globalization.CultureInfo.InvariantCulture);
                args.AddRange(["--num-chunks", "3"]);
            }

            var (exit, stdout, stderr) = await VigorProcess.RunAsync(args, environment);
            Assert.True(exit == 0, $"chunk {task}: exit {exit}\n{stdout}\n{stderr}");
        }

        var shards = Enumerable.Range(0, 3).Select(i => Path.Combine(work, $"scores.chunk-{i}-of-3.jsonl")).ToArray();
        Assert.All(shards, s => Assert.Single(SupervisionJournal.Read(s)));
        var merged = Path.Combine(_folder, "merged");
        Assert.Equal(0, await VigorApp.Create().RunAsync(["merge", "--out", merged, .. shards.Reverse()])); // any order, as a glob gives them
        Assert.Equal(await File.ReadAllTextAsync(Path.Combine(whole, "round-0", "supervision.jsonl")), await File.ReadAllTextAsync(Path.Combine(merged, "supervision.jsonl")));
        var partial = await Assert.ThrowsAsync<InvalidDataException>(() => VigorApp.Create().RunAsync(["merge", "--out", Path.Combine(_folder, "partial"), shards[0], shards[2]]));
        Assert.Contains("chunk 1 of 0..2 is missing", partial.Message);
    }
}
