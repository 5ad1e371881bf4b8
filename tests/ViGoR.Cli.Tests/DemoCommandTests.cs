using System.Text.Json;
using ViGoR.Cli.Commands;
using ViGoR.Cli.Demo.Run;

namespace ViGoR.Cli.Tests;

/// <summary>
/// <c>vigor demo --quick</c> end to end on the committed tiny model: interrupted mid-run, resumed, and
/// checked for its products (not for the science: the quick run is too small to show anything).
/// </summary>
public sealed class DemoCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vigor-demo-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Quick_demo_interrupted_resumes_and_writes_a_well_formed_report_and_results()
    {
        // Interrupt it when the first policy fine-tuning starts: annotations, reward models and samples are done by then.
        var settings = DemoSettings.Quick([1]) with { BaseModel = DemoCommand.CommittedModel };
        using var cancel = new CancellationTokenSource();
        var interrupted = new DemoRunner(_folder, settings, new Pipeline.SyncProgress<DemoProgress>(p =>
        {
            if (p.Phase.Contains("fine-tune", StringComparison.Ordinal))
            {
                cancel.Cancel();
            }
        }));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => interrupted.RunAsync(cancel.Token));
        var annotations = Path.Combine(_folder, "reward-models", "annotations.jsonl");
        var annotatedAt = File.GetLastWriteTimeUtc(annotations);
        Assert.True(File.Exists(Path.Combine(_folder, "seed-1", "samples.jsonl")));
        Assert.False(File.Exists(Path.Combine(_folder, "results.json")));

        Assert.Equal(0, await VigorApp.Create().RunAsync(["demo", "--quick", "--out", _folder]));

        Assert.Equal(annotatedAt, File.GetLastWriteTimeUtc(annotations)); // resumed, not redone
        using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(_folder, "results.json")));
        var root = results.RootElement;
        Assert.Equal([1], root.GetProperty("seeds").EnumerateArray().Select(e => e.GetInt32()));
        var configs = root.GetProperty("results");
        Assert.Equal(["base", "vigor_at", "vigor_rm", "vigor_rm_holistic", "vigor_all"], configs.EnumerateObject().Select(p => p.Name));
        foreach (var config in configs.EnumerateObject())
        {
            foreach (var metric in new[] { "chair_i", "chair_s", "recall", "words", "pope_f1" })
            {
                var m = config.Value.GetProperty(metric);
                Assert.True(double.IsFinite(m.GetProperty("mean").GetDouble()), $"{config.Name}.{metric}");
                Assert.Equal(0, m.GetProperty("std").GetDouble()); // one seed
            }

            Assert.InRange(config.Value.GetProperty("chair_i").GetProperty("mean").GetDouble(), 0, 1);
            Assert.InRange(config.Value.GetProperty("pope_f1").GetProperty("mean").GetDouble(), 0, 1);
            Assert.True(config.Value.GetProperty("words").GetProperty("mean").GetDouble() > 0);
        }

        var claims = root.GetProperty("claims").EnumerateObject().ToList();
        Assert.Equal(["all_hallucinates_least", "all_chair_i_30pct_lower", "all_recall_within_10pct", "each_stream_beats_base", "fine_grained_beats_holistic"], claims.Select(c => c.Name));
        Assert.All(claims, c => Assert.True(c.Value.GetProperty("held").ValueKind is JsonValueKind.True or JsonValueKind.False));

        // Every trained configuration's supervision, pooled over seeds, stage by stage; the calibration beside it.
        var supervision = root.GetProperty("supervision");
        Assert.Equal(["vigor_at", "vigor_rm", "vigor_rm_holistic", "vigor_all"], supervision.EnumerateObject().Select(p => p.Name));
        foreach (var config in supervision.EnumerateObject())
        {
            Assert.Equal(settings.TrainImages, config.Value.GetProperty("images").GetInt32());
            Assert.Equal(settings.TrainImages * settings.NumSamples, config.Value.GetProperty("samples").GetProperty("descriptions").GetInt32());
            foreach (var stage in new[] { "samples", "best_of_k", "chosen", "targets" })
            {
                Assert.InRange(config.Value.GetProperty(stage).GetProperty("chair_i").GetDouble(), 0, 1);
            }

            // The best of k is chosen by ground truth: no selection hallucinates less.
            Assert.True(config.Value.GetProperty("best_of_k").GetProperty("chair_i").GetDouble() <= config.Value.GetProperty("chosen").GetProperty("chair_i").GetDouble());
            Assert.Contains(config.Value.GetProperty("weak_link").GetString(), new[] { "selection", "refinement", "fine_tuning" });
            Assert.Equal(config.Name == "vigor_at", config.Value.GetProperty("reward_model_roc_auc").ValueKind == JsonValueKind.Null);
        }

        Assert.Equal("validation", root.GetProperty("calibration").GetProperty("split").GetString());

        // The committed base is calibrated to LLaVA's profile (docs/demo.md); on the quick run's 16
        // validation scenes, loosely: it sees (its tower's probe), names what is there, and hallucinates
        // some. The previous, blind base measured recall 0.59 and probe 0.68 here.
        var targets = root.GetProperty("calibration").GetProperty("targets");
        double Measured(string target) => targets.GetProperty(target).GetProperty("measured").GetDouble();
        Assert.InRange(Measured("chair_i"), 0.03, 0.35);
        Assert.True(Measured("recall") >= 0.8, $"recall {Measured("recall")}");
        Assert.True(Measured("vision_probe_mean") >= 0.9, $"probe {Measured("vision_probe_mean")}");
        Assert.True(root.GetProperty("supervision_variants").EnumerateObject().Count() == 8, "signal x order x (RM, All)");

        var html = File.ReadAllText(Path.Combine(_folder, "report.html"));
        Assert.Contains("data:image/png;base64,", html, StringComparison.Ordinal);
        Assert.Contains("ViGoR-All", html, StringComparison.Ordinal);
        Assert.Contains("<svg", html, StringComparison.Ordinal);
        Assert.DoesNotContain("src=\"http", html, StringComparison.Ordinal);
        Assert.Contains("<table class=\"calibration\">", html, StringComparison.Ordinal);
        foreach (var config in DemoConfig.Trained)
        {
            Assert.Contains($"<section class=\"supervision\" id=\"supervision-{config.Name}\">", html, StringComparison.Ordinal);
            Assert.Contains($"<h3>Seed 1 · {config.Label} · ", html, StringComparison.Ordinal);
        }

        // No absolute path: neither the output folder nor the build tree the base model sits in.
        Assert.DoesNotContain(_folder, html, StringComparison.Ordinal);
        Assert.DoesNotContain(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar), html, StringComparison.Ordinal);

        // A finished folder reruns without redoing anything and gives the same numbers.
        var before = File.ReadAllText(Path.Combine(_folder, "results.json"));
        Assert.Equal(0, await VigorApp.Create().RunAsync(["demo", "--quick", "--out", _folder]));
        Assert.Equal(before, File.ReadAllText(Path.Combine(_folder, "results.json")));

        // Other settings in the same folder are refused, naming what differs.
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => VigorApp.Create().RunAsync(["demo", "--out", _folder]));
        Assert.Contains("Seeds", error.Message, StringComparison.OrdinalIgnoreCase);
        // The reward models' budget flags reach the settings (and so the check).
        error = await Assert.ThrowsAsync<InvalidOperationException>(() => VigorApp.Create().RunAsync(["demo", "--quick", "--out", _folder, "--annotation-images", "30", "--reward-epochs", "2", "--reward-lr", "3e-4"]));
        Assert.Contains("annotation_images", error.Message, StringComparison.Ordinal);
        Assert.Contains("reward_epochs", error.Message, StringComparison.Ordinal);
        Assert.Contains("reward_learning_rate", error.Message, StringComparison.Ordinal);

        // So is another base model (here the committed one with one weight byte changed), wherever it lives.
        var other = Path.Combine(Path.GetDirectoryName(_folder)!, Path.GetFileName(_folder) + "-model");
        Directory.CreateDirectory(other);
        foreach (var file in Directory.GetFiles(DemoCommand.CommittedModel))
        {
            File.Copy(file, Path.Combine(other, Path.GetFileName(file)));
        }

        var weights = File.ReadAllBytes(Path.Combine(other, "model.safetensors"));
        weights[^1] ^= 1;
        File.WriteAllBytes(Path.Combine(other, "model.safetensors"), weights);
        error = await Assert.ThrowsAsync<InvalidOperationException>(() => VigorApp.Create().RunAsync(["demo", "--quick", "--out", _folder, "--model", other]));
        Assert.Contains("base_model_fingerprint", error.Message, StringComparison.Ordinal);
        Directory.Delete(other, recursive: true);

        // The objectives ablation on the same folder: the paper's run is resumed, the arms added.
        Assert.Equal(0, await VigorApp.Create().RunAsync(["demo", "--quick", "--out", _folder, "--ablation", "objectives"]));
        using (var ablated = JsonDocument.Parse(File.ReadAllText(Path.Combine(_folder, "results.json"))))
        {
            var arms = ablated.RootElement.GetProperty("ablations").GetProperty("objectives");
            Assert.Equal(["vigor_all", "vigor_all_dpo", "vigor_all_dpo_sentence", "vigor_all_sft_dpo", "vigor_all_ipo", "vigor_all_online"], arms.EnumerateObject().Select(p => p.Name));
            Assert.Equal(
                configs.GetProperty("vigor_all").GetProperty("chair_i").GetProperty("mean").GetDouble(),
                arms.GetProperty("vigor_all").GetProperty("chair_i").GetProperty("mean").GetDouble());
            Assert.All(arms.EnumerateObject(), a => Assert.InRange(a.Value.GetProperty("chair_i").GetProperty("mean").GetDouble(), 0, 1));
        }

        var dpoPairs = PreferencePairs.Read(Path.Combine(_folder, "seed-1", "vigor_all_dpo", "pairs.jsonl"), ImageInput.FromId);
        Assert.Equal("base model", dpoPairs.Header.Settings["reference"]);
        Assert.All(dpoPairs.Pairs, p => Assert.True(p.HasReference));
        Assert.True(File.Exists(Path.Combine(_folder, "seed-1", "vigor_all_dpo", "model", "config.json")));

        // The online round sampled from the first round's model with round-1 seeds: not the base's samples.
        Assert.NotEqual(File.ReadAllLines(Path.Combine(_folder, "seed-1", "samples.jsonl")), File.ReadAllLines(Path.Combine(_folder, "seed-1", "vigor_all_online", "samples.jsonl")));
        Assert.True(File.Exists(Path.Combine(_folder, "seed-1", "vigor_all_online", "round-1", "supervision.jsonl")));
    }

    [Fact]
    public async Task Sampling_interrupted_mid_phase_resumes_at_the_image_it_reached()
    {
        var settings = DemoSettings.Quick([1]) with { BaseModel = DemoCommand.CommittedModel };
        using var cancel = new CancellationTokenSource();
        var interrupted = new DemoRunner(_folder, settings, new Pipeline.SyncProgress<DemoProgress>(p =>
        {
            if (p.Phase.Contains("sample k", StringComparison.Ordinal) && p.Done >= 8)
            {
                cancel.Cancel();
            }
        }));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => interrupted.RunAsync(cancel.Token));
        var samples = Directory.GetFiles(_folder, "samples.jsonl", SearchOption.AllDirectories).Single();
        var partial = File.ReadAllLines(samples);
        Assert.InRange(partial.Length, 8, settings.ValidationImages - 1);
        Assert.False(File.Exists(samples + ".done"));

        using var second = new CancellationTokenSource();
        var resumed = new DemoRunner(_folder, settings, new Pipeline.SyncProgress<DemoProgress>(p =>
        {
            if (p.Phase.Contains("judge", StringComparison.Ordinal))
            {
                second.Cancel();
            }
        }));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => resumed.RunAsync(second.Token));

        // The recorded images were kept as they were, the others appended: one line per image, none twice.
        var complete = File.ReadAllLines(samples);
        Assert.Equal(partial, complete.Take(partial.Length));
        Assert.Equal(settings.ValidationImages, complete.Length);
        Assert.True(File.Exists(samples + ".done"));
    }

    [Fact]
    public async Task A_Grounding_DINO_folder_replaces_the_simulated_detector()
    {
        var onnx = Path.Combine(AppContext.BaseDirectory, "Fixtures", "GroundingDino");

        Assert.Equal(0, await VigorApp.Create().RunAsync(["demo", "--quick", "--out", _folder, "--detector", onnx]));

        var header = SupervisionJournal.ReadAll(Path.Combine(_folder, "seed-1", "vigor_at", "round-0", "supervision.jsonl")).Header!;
        Assert.StartsWith("grounding-dino:", header.Settings["automatic.detector"], StringComparison.Ordinal);
        Assert.Contains("Grounding DINO from", File.ReadAllText(Path.Combine(_folder, "results.json")), StringComparison.Ordinal);
    }
}
