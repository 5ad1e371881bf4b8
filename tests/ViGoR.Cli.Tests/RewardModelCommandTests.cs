using System.Text.Json;

namespace ViGoR.Cli.Tests;

/// <summary>
/// vigor train-reward, vigor score and their hand-off to vigor run, on a synthetic annotation set with a
/// learnable rule: sentences naming a dog are object hallucinations, purple things are attribute
/// errors, everything else is correct. The tiny LLaVA has random weights before training, so a held-out
/// ROC AUC of at least 0.9 (chance: 0.5) shows the training and the scoring work together.
/// </summary>
public sealed class RewardModelCommandTests : IDisposable
{
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures", "TinyLlava");
    private static readonly string[] Correct = ["A red square is in the middle.", "The background is blue.", "There is one shape.", "The square is large.", "Nothing else is visible."];
    private static readonly (string Text, string Error)[] Wrong = [("A dog sits in the corner.", "object_hallucination"), ("A purple circle is on the left.", "attribute"), ("The square is purple.", "attribute"), ("Two dogs play nearby.", "object_hallucination")];
    private readonly string _folder = Directory.CreateTempSubdirectory("vigor-rm-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>20 images (copies of the two fixture images), two 3-sentence descriptions each, about a third of the sentences wrong.</summary>
    private (string Annotations, string Images) Synthetic(double errorRate = 0.35)
    {
        var images = Directory.CreateDirectory(Path.Combine(_folder, "images")).FullName;
        var random = new Random(11);
        var lines = new List<string>();
        for (int i = 0; i < 20; i++)
        {
            var image = $"img{i:00}.png";
            File.Copy(Path.Combine(Fixtures, $"image{i % 2}.png"), Path.Combine(images, image));
            for (int d = 0; d < 2; d++)
            {
                var picked = Enumerable.Range(0, 3).Select(_ => random.NextDouble() < errorRate ? Wrong[random.Next(Wrong.Length)] : (Text: Correct[random.Next(Correct.Length)], Error: (string?)null)).ToList();
                var text = string.Join(" ", picked.Select(p => p.Text));
                int start = 0;
                var sentences = picked.Select(p =>
                {
                    var s = new { start, end = start + p.Text.Length, errors = p.Error is null ? Array.Empty<string>() : [p.Error], creative = false };
                    start += p.Text.Length + 1;
                    return s;
                }).ToList();
                lines.Add(JsonSerializer.Serialize(new { id = $"{image}-{d}", image, prompt = "Describe the image.", description = text, sentences }));
            }
        }

        var annotations = Path.Combine(_folder, "annotations.jsonl");
        File.WriteAllLines(annotations, lines);
        return (annotations, images);
    }

    private static string[] Train(string annotations, string images, string output, params string[] extra) =>
        ["train-reward", "--base", Path.Combine(Fixtures, "hf"), "--annotations", annotations, "--images", images, "--out", output,
         "--epochs", "8", "--batch-size", "8", "--lr", "5e-3", "--warmup-ratio", "0", "--eval-fraction", "0.2", .. extra];

    [Fact]
    public async Task A_trained_fine_grained_reward_model_separates_held_out_errors_and_its_judgements_replay_in_vigor_run()
    {
        var (annotations, images) = Synthetic();
        var output = Path.Combine(_folder, "rm");

        Assert.Equal(0, await VigorApp.Create().RunAsync(Train(annotations, images, output)));

        using var metrics = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "metrics.json")));
        var m = metrics.RootElement;
        foreach (var key in new[] { "sentences", "accuracy", "error_precision", "error_recall", "error_f1", "roc_auc", "per_kind" })
        {
            Assert.True(m.TryGetProperty(key, out _), $"metrics.json lacks {key}");
        }

        Assert.True(m.GetProperty("roc_auc").GetDouble() >= 0.9, $"held-out ROC AUC {m.GetProperty("roc_auc").GetDouble():F3} (chance 0.5)");
        Assert.Equal(24, m.GetProperty("sentences").GetInt32()); // 4 held-out images x 2 descriptions x 3 sentences
        var split = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "split.json"))).RootElement.GetProperty("eval_images").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal(4, split.Count);
        Assert.True(File.Exists(Path.Combine(output, "vigor_reward.json")));

        // vigor score writes judgements that vigor run --judgements replays.
        var samples = Path.Combine(_folder, "samples.jsonl");
        await File.WriteAllLinesAsync(samples, [
            """{"image": "img00.png", "prompt": "Describe the image.", "samples": ["A red square is in the middle. A dog sits in the corner.", "A red square is in the middle.", "The square is purple."]}""",
        ]);
        var judgements = Path.Combine(_folder, "judgements.jsonl");
        Assert.Equal(0, await VigorApp.Create().RunAsync(["score", "--reward-model", output, "--samples", samples, "--images", images, "--out", judgements]));
        var all = (await File.ReadAllLinesAsync(judgements)).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var header = all[0].GetProperty("settings"); // which reward model judged which samples
        Assert.StartsWith($"llava-reward-model:llava:{Path.GetFullPath(output)}@sha256:", header.GetProperty("reward_model").GetString(), StringComparison.Ordinal);
        Assert.StartsWith($"recorded-samples:{Path.GetFullPath(samples)}@sha256:", header.GetProperty("samples").GetString(), StringComparison.Ordinal);
        var lines = all.Skip(1).ToList();
        Assert.Equal(["A red square is in the middle.", "A dog sits in the corner.", "The square is purple."], lines.Select(l => l.GetProperty("sentence").GetString()));
        Assert.All(lines, l => Assert.Equal("img00.png", l.GetProperty("image").GetString()));
        Assert.All(lines, l => Assert.Equal(JsonValueKind.Number, l.GetProperty("label_score").ValueKind)); // a first-token model's winning label

        // A crash mid-write leaves a partial image behind: the rerun judges that image again, and the file ends as before.
        var complete = await File.ReadAllTextAsync(judgements);
        await File.WriteAllTextAsync(judgements, complete[..(complete.IndexOf('\n', StringComparison.Ordinal) + 1)] + "{\"image\": \"img0");
        Assert.Equal(0, await VigorApp.Create().RunAsync(["score", "--reward-model", output, "--samples", samples, "--images", images, "--out", judgements]));
        Assert.Equal(complete, await File.ReadAllTextAsync(judgements));

        // Another reward model (a copy elsewhere), or other samples, do not add to the file.
        var other = Path.Combine(_folder, "rm-copy");
        Directory.CreateDirectory(other);
        foreach (var file in Directory.GetFiles(output))
        {
            File.Copy(file, Path.Combine(other, Path.GetFileName(file)));
        }

        var byOther = await Assert.ThrowsAsync<JournalSettingsException>(() => VigorApp.Create().RunAsync(["score", "--reward-model", other, "--samples", samples, "--images", images, "--out", judgements]));
        Assert.Contains("reward_model:", byOther.Message, StringComparison.Ordinal);
        await File.AppendAllTextAsync(samples, """{"image": "img01.png", "prompt": "Describe the image.", "samples": ["A red square is in the middle."]}""" + "\n");
        var fromOther = await Assert.ThrowsAsync<JournalSettingsException>(() => VigorApp.Create().RunAsync(["score", "--reward-model", output, "--samples", samples, "--images", images, "--out", judgements]));
        Assert.Contains($"samples: recorded-samples:{Path.GetFullPath(samples)}@", fromOther.Message, StringComparison.Ordinal);
        Assert.Equal(complete, await File.ReadAllTextAsync(judgements));
        await File.WriteAllLinesAsync(samples, (await File.ReadAllLinesAsync(samples)).SkipLast(1));

        var work = Path.Combine(_folder, "run");
        Assert.Equal(0, await VigorApp.Create().RunAsync(["run", "--samples", samples, "--images", images, "--judgements", judgements, "--sources", "reward-model", "-k", "3", "--work", work]));
        var record = Assert.Single(SupervisionJournal.Read(Path.Combine(work, "round-0", "supervision.jsonl")));
        Assert.Equal(1, record.Chosen); // the only sample with no sentence judged wrong
    }

    [Fact]
    public async Task With_a_feature_cache_the_tower_runs_once_per_distinct_image_and_training_ends_where_it_does_without()
    {
        var (annotations, images) = Synthetic();
        var plain = Path.Combine(_folder, "plain");
        var cached = Path.Combine(_folder, "cached");
        Assert.Equal(0, await VigorApp.Create().RunAsync(Train(annotations, images, plain, "--epochs", "2")));

        var (exit, output, error) = await VigorProcess.RunAsync(Train(annotations, images, cached, "--epochs", "2", "--feature-cache", "100"));

        Assert.True(exit == 0, output + error);
        // The 20 images are copies of two fixture images, and the cache keys images by their pixels.
        Assert.Contains("the tower ran 2 time(s); 2 image(s) cached", output, StringComparison.Ordinal);
        double Auc(string folder) => JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "metrics.json"))).RootElement.GetProperty("roc_auc").GetDouble();
        Assert.Equal(Auc(plain), Auc(cached), 3); // cached features equal the tower's to 1e-4 (VisionFeatureCacheTests)
    }

    [Fact]
    public async Task A_holistic_reward_model_is_trained_on_descriptions_and_measured_on_them()
    {
        // One sentence in five wrong: about half the descriptions hold an error.
        var (annotations, images) = Synthetic(errorRate: 0.2);
        var output = Path.Combine(_folder, "holistic");

        Assert.Equal(0, await VigorApp.Create().RunAsync(Train(annotations, images, output, "--holistic")));

        var m = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "metrics.json"))).RootElement;
        Assert.Equal(8, m.GetProperty("sentences").GetInt32()); // 4 held-out images x 2 descriptions
        Assert.InRange(m.GetProperty("roc_auc").GetDouble(), 0, 1); // 8 descriptions measure little; 0.75 on this machine
        Assert.Equal(m.GetProperty("errors").GetInt32(), m.GetProperty("per_kind").EnumerateObject().Sum(k => k.Value.GetProperty("count").GetInt32()));
        Assert.Contains("holistic", await File.ReadAllTextAsync(Path.Combine(output, "vigor_reward.json")), StringComparison.Ordinal);
        // vigor run --granularity holistic judges each sample once with it.
        var samples = Path.Combine(_folder, "samples.jsonl");
        await File.WriteAllLinesAsync(samples, ["""{"image": "img00.png", "prompt": "Describe the image.", "samples": ["A red square is in the middle. A dog sits in the corner.", "A red square is in the middle.", "The square is purple."]}"""]);
        var work = Path.Combine(_folder, "run");
        Assert.Equal(0, await VigorApp.Create().RunAsync(["run", "--samples", samples, "--images", images, "--reward-model", output, "--sources", "reward-model", "--granularity", "holistic", "-k", "3", "--work", work]));
        var (header, records) = SupervisionJournal.ReadAll(Path.Combine(work, "round-0", "supervision.jsonl"));
        Assert.Equal("holistic", header!.Settings["reward_model.granularity"]);
        Assert.All(Assert.Single(records).Samples, s => Assert.Single(s.Sentences, x => x.Signals.ContainsKey("reward_model")));

        var scored = await Assert.ThrowsAsync<InvalidOperationException>(() => VigorApp.Create().RunAsync(["score", "--reward-model", output, "--samples", annotations, "--images", images]));
        Assert.Contains("holistic", scored.Message);
    }

    [Fact]
    public async Task Bad_annotations_are_reported_with_file_line_and_field()
    {
        var (annotations, images) = Synthetic();
        var bad = Path.Combine(_folder, "bad.jsonl");
        var lines = (await File.ReadAllLinesAsync(annotations)).ToList();
        lines[2] = lines[2].Replace("\"errors\":[]", "\"errors\":[\"colour\"]", StringComparison.Ordinal).Replace("\"errors\":[\"attribute\"]", "\"errors\":[\"colour\"]", StringComparison.Ordinal).Replace("\"errors\":[\"object_hallucination\"]", "\"errors\":[\"colour\"]", StringComparison.Ordinal);
        await File.WriteAllLinesAsync(bad, lines);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => VigorApp.Create().RunAsync(Train(bad, images, Path.Combine(_folder, "x"))));

        Assert.Contains("bad.jsonl, line 3, sentences[0].errors[0]", error.Message);
    }
}
