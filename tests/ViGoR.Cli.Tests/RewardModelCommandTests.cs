using System.Text.Json;
using ViGoR.Cli.Commands;

namespace ViGoR.Cli.Tests;

/// <summary>
/// vigor train-reward, vigor score and their hand-off to vigor run, on a synthetic annotation set with a
/// learnable rule over composed sentences ("There is a {colour} {object} {place}."): a kite or a clock
/// is an object hallucination, anything purple an attribute error, everything else correct. The
/// held-out set holds only (colour, object) pairs that training never saw, so its ROC AUC measures
/// generalisation, not memorised sentences; training starts from the committed pre-trained tiny
/// LLaVA (the demo's base), as the paper starts from the LVLM's weights.
/// </summary>
public sealed class RewardModelCommandTests : IDisposable
{
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures", "TinyLlava");
    private static readonly string[] Objects = ["ball", "kite", "cup", "book", "clock", "apple"];
    private static readonly string[] Colours = ["red", "blue", "green", "white", "purple"];
    private static readonly string[] Places = ["on the left", "on the right", "in the middle"];
    private readonly string _folder = Directory.CreateTempSubdirectory("vigor-rm-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>The sentences of one side of the split: held out iff (object + colour) % 3 == 0, so no held-out (colour, object) pair is trained on.</summary>
    private static (List<(string Text, string? Error)> Correct, List<(string Text, string? Error)> Wrong) Compositions(bool heldOut)
    {
        var correct = new List<(string, string?)>();
        var wrong = new List<(string, string?)>();
        for (int o = 0; o < Objects.Length; o++)
        {
            for (int c = 0; c < Colours.Length; c++)
            {
                if (((o + c) % 3 == 0) != heldOut)
                {
                    continue;
                }

                foreach (var place in Places)
                {
                    var text = $"There is a {Colours[c]} {Objects[o]} {place}.";
                    string? error = Objects[o] is "kite" or "clock" ? "object_hallucination" : Colours[c] == "purple" ? "attribute" : null;
                    (error is null ? correct : wrong).Add((text, error));
                }
            }
        }

        return (correct, wrong);
    }

    /// <summary>
    /// <paramref name="trainingImages"/> training images (copies of the two fixture images) and <paramref name="heldOutImages"/> held-out
    /// ones, two 3-sentence descriptions each, a share <paramref name="errorRate"/> of the sentences wrong.
    /// </summary>
    private (string Annotations, string HeldOut, string Images) Synthetic(double errorRate = 0.35, int trainingImages = 20, int heldOutImages = 4)
    {
        var images = Directory.CreateDirectory(Path.Combine(_folder, "images")).FullName;
        var random = new Random(11);
        string Write(string name, int first, int count, bool heldOut)
        {
            var (correct, wrong) = Compositions(heldOut);
            var lines = new List<string>();
            for (int i = first; i < first + count; i++)
            {
                var image = $"img{i:00}.png";
                File.Copy(Path.Combine(Fixtures, $"image{i % 2}.png"), Path.Combine(images, image));
                for (int d = 0; d < 2; d++)
                {
                    var picked = Enumerable.Range(0, 3).Select(_ => random.NextDouble() < errorRate ? wrong[random.Next(wrong.Count)] : correct[random.Next(correct.Count)]).ToList();
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

            var path = Path.Combine(_folder, name);
            File.WriteAllLines(path, lines);
            return path;
        }

        return (Write("annotations.jsonl", 0, trainingImages, heldOut: false), Write("held-out.jsonl", trainingImages, heldOutImages, heldOut: true), images);
    }

    private static string[] Train(string annotations, string heldOut, string images, string output, params string[] extra) =>
        ["train-reward", "--base", DemoCommand.CommittedModel, "--annotations", annotations, "--eval", heldOut, "--images", images, "--out", output,
         "--epochs", "20", "--batch-size", "8", "--lr", "3e-4", "--warmup-ratio", "0", .. extra];

    [Fact]
    public async Task A_fine_grained_reward_model_trained_from_the_pretrained_base_generalises_to_held_out_compositions_and_its_judgements_replay_in_vigor_run()
    {
        var (annotations, heldOut, images) = Synthetic();
        var output = Path.Combine(_folder, "rm");

        Assert.Equal(0, await VigorApp.Create().RunAsync(Train(annotations, heldOut, images, output)));

        using var metrics = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "metrics.json")));
        var m = metrics.RootElement;
        foreach (var key in new[] { "sentences", "accuracy", "error_precision", "error_recall", "error_f1", "roc_auc", "per_kind" })
        {
            Assert.True(m.TryGetProperty(key, out _), $"metrics.json lacks {key}");
        }

        // Sentences never seen in training: a model that memorised the training sentences is at chance here.
        Assert.True(m.GetProperty("roc_auc").GetDouble() >= 0.9, $"held-out ROC AUC {m.GetProperty("roc_auc").GetDouble():F3} (chance 0.5)");
        Assert.Equal(24, m.GetProperty("sentences").GetInt32()); // 4 held-out images x 2 descriptions x 3 sentences
        Assert.True(File.Exists(Path.Combine(output, "vigor_reward.json")));

        // vigor score writes judgements that vigor run --judgements replays.
        var samples = Path.Combine(_folder, "samples.jsonl");
        await File.WriteAllLinesAsync(samples, [
            """{"image": "img00.png", "prompt": "Describe the image.", "samples": ["There is a red ball on the left. There is a white clock in the middle.", "There is a red ball on the left.", "There is a purple cup on the right."]}""",
        ]);
        var judgements = Path.Combine(_folder, "judgements.jsonl");
        Assert.Equal(0, await VigorApp.Create().RunAsync(["score", "--reward-model", output, "--samples", samples, "--images", images, "--out", judgements]));
        var all = (await File.ReadAllLinesAsync(judgements)).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var header = all[0].GetProperty("settings"); // which reward model judged which samples
        Assert.StartsWith($"llava-reward-model:llava:{Path.GetFullPath(output)}@sha256:", header.GetProperty("reward_model").GetString(), StringComparison.Ordinal);
        Assert.StartsWith($"recorded-samples:{Path.GetFullPath(samples)}@sha256:", header.GetProperty("samples").GetString(), StringComparison.Ordinal);
        var lines = all.Skip(1).ToList();
        Assert.Equal(["There is a red ball on the left.", "There is a white clock in the middle.", "There is a purple cup on the right."], lines.Select(l => l.GetProperty("sentence").GetString()));
        Assert.All(lines, l => Assert.Equal("img00.png", l.GetProperty("image").GetString()));
        Assert.All(lines, l => Assert.Equal(JsonValueKind.Number, l.GetProperty("label_score").ValueKind)); // a first-token model's winning label

        // A crash mid-write leaves a partial image behind: the rerun judges that image again, and the file ends as before.
        var complete = await File.ReadAllTextAsync(judgements);
        await File.WriteAllTextAsync(judgements, complete[..(complete.IndexOf('\n', StringComparison.Ordinal) + 1)] + "{\"image\": \"img0");
        Assert.Equal(0, await VigorApp.Create().RunAsync(["score", "--reward-model", output, "--samples", samples, "--images", images, "--out", judgements]));
        Assert.Equal(complete, await File.ReadAllTextAsync(judgements));

        // The same reward model copied elsewhere is the same model (inputs are known by content): it resumes the file.
        var other = Path.Combine(_folder, "rm-copy");
        Directory.CreateDirectory(other);
        foreach (var file in Directory.GetFiles(output))
        {
            File.Copy(file, Path.Combine(other, Path.GetFileName(file)));
        }

        Assert.Equal(0, await VigorApp.Create().RunAsync(["score", "--reward-model", other, "--samples", samples, "--images", images, "--out", judgements]));
        Assert.Equal(complete, await File.ReadAllTextAsync(judgements));

        // Another reward model (the copy with one weight changed), or other samples, do not add to the file.
        var weights = await File.ReadAllBytesAsync(Path.Combine(other, "model.safetensors"));
        weights[^1] ^= 1;
        await File.WriteAllBytesAsync(Path.Combine(other, "model.safetensors"), weights);
        var byOther = await Assert.ThrowsAsync<JournalSettingsException>(() => VigorApp.Create().RunAsync(["score", "--reward-model", other, "--samples", samples, "--images", images, "--out", judgements]));
        Assert.Contains("reward_model:", byOther.Message, StringComparison.Ordinal);
        await File.AppendAllTextAsync(samples, """{"image": "img01.png", "prompt": "Describe the image.", "samples": ["There is a red ball on the left."]}""" + "\n");
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
        var (annotations, heldOut, images) = Synthetic();
        var plain = Path.Combine(_folder, "plain");
        var cached = Path.Combine(_folder, "cached");
        Assert.Equal(0, await VigorApp.Create().RunAsync(Train(annotations, heldOut, images, plain, "--epochs", "2")));

        var (exit, output, error) = await VigorProcess.RunAsync(Train(annotations, heldOut, images, cached, "--epochs", "2", "--feature-cache", "100"));

        Assert.True(exit == 0, output + error);
        // The 24 images are copies of two fixture images, and the cache keys images by their pixels.
        Assert.Contains("the tower ran 2 time(s); 2 image(s) cached", output, StringComparison.Ordinal);
        double Auc(string folder) => JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "metrics.json"))).RootElement.GetProperty("roc_auc").GetDouble();
        Assert.Equal(Auc(plain), Auc(cached), 3); // cached features equal the tower's to 1e-4 (VisionFeatureCacheTests)
    }

    [Fact]
    public async Task A_holistic_reward_model_is_trained_on_descriptions_and_measured_on_them()
    {
        // One sentence in five wrong: about half the descriptions hold an error. One label per description
        // teaches less than one per sentence, so it gets three times the descriptions.
        var (annotations, heldOut, images) = Synthetic(errorRate: 0.2, trainingImages: 60, heldOutImages: 10);
        var output = Path.Combine(_folder, "holistic");

        Assert.Equal(0, await VigorApp.Create().RunAsync(Train(annotations, heldOut, images, output, "--holistic")));

        var m = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "metrics.json"))).RootElement;
        Assert.Equal(20, m.GetProperty("sentences").GetInt32()); // 10 held-out images x 2 descriptions
        Assert.True(m.GetProperty("roc_auc").GetDouble() >= 0.9, $"held-out ROC AUC {m.GetProperty("roc_auc").GetDouble():F3} (chance 0.5)");
        Assert.Equal(m.GetProperty("errors").GetInt32(), m.GetProperty("per_kind").EnumerateObject().Sum(k => k.Value.GetProperty("count").GetInt32()));
        Assert.Contains("holistic", await File.ReadAllTextAsync(Path.Combine(output, "vigor_reward.json")), StringComparison.Ordinal);
        // vigor run --granularity holistic judges each sample once with it.
        var samples = Path.Combine(_folder, "samples.jsonl");
        await File.WriteAllLinesAsync(samples, ["""{"image": "img00.png", "prompt": "Describe the image.", "samples": ["There is a red ball on the left. There is a white clock in the middle.", "There is a red ball on the left.", "There is a purple cup on the right."]}"""]);
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
        var (annotations, heldOut, images) = Synthetic();
        var bad = Path.Combine(_folder, "bad.jsonl");
        var lines = (await File.ReadAllLinesAsync(annotations)).ToList();
        lines[2] = lines[2].Replace("\"errors\":[]", "\"errors\":[\"colour\"]", StringComparison.Ordinal).Replace("\"errors\":[\"attribute\"]", "\"errors\":[\"colour\"]", StringComparison.Ordinal).Replace("\"errors\":[\"object_hallucination\"]", "\"errors\":[\"colour\"]", StringComparison.Ordinal);
        await File.WriteAllLinesAsync(bad, lines);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => VigorApp.Create().RunAsync(Train(bad, heldOut, images, Path.Combine(_folder, "x"))));

        Assert.Contains("bad.jsonl, line 3, sentences[0].errors[0]", error.Message);
    }
}
