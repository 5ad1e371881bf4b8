using System.Text.Json;
using ViGoR.Cli.Commands;

namespace ViGoR.Cli.Tests;

/// <summary><c>vigor run --objective dpo</c> on the committed ShapesWorld LLaVA: pairs, stored reference log-probs, online rounds, resume.</summary>
public sealed class PreferenceRunTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vigor-dpo-run-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private async Task<string[]> ArgsAsync(string work, params string[] extra)
    {
        var world = Path.Combine(_folder, "world");
        if (!Directory.Exists(world))
        {
            Assert.Equal(0, await VigorApp.Create().RunAsync(["shapesworld", "--out", world, "--count", "8", "--seed", "7"]));
        }

        return [
            "run", "--data", Path.Combine(world, "captions.jsonl"), "--images", Path.Combine(world, "images"), "--model", DemoCommand.CommittedModel,
            "--annotations", Path.Combine(world, "instances.json"), "-k", "4", "--max-new-tokens", "48", "--temperature", "0.7",
            "--epochs", "2", "--batch-size", "4", "--lr", "2e-4", "--work", work, .. extra,
        ];
    }

    [Fact]
    public async Task Online_dpo_keeps_each_rounds_pairs_with_the_reference_of_the_model_before_it_and_resumes_without_recomputing()
    {
        var work = Path.Combine(_folder, "dpo");
        var args = await ArgsAsync(work, "--objective", "dpo", "--dpo-beta", "0.2", "--mode", "online", "--rounds", "2");

        Assert.Equal(0, await VigorApp.Create().RunAsync(args));

        foreach (var round in new[] { 0, 1 })
        {
            var directory = Path.Combine(work, $"round-{round}");
            var (header, pairs) = PreferencePairs.Read(Path.Combine(directory, "pairs.jsonl"), ImageInput.FromId);
            Assert.Equal(round == 0 ? "initial model" : "round-0/model", header.Settings["reference"]);
            Assert.Equal(ContentFingerprint.Of(Path.Combine(directory, "supervision.jsonl")), header.Settings["supervision"]);
            Assert.NotEmpty(pairs);
            var records = SupervisionJournal.Read(Path.Combine(directory, "supervision.jsonl")).ToDictionary(r => r.ImageId);
            Assert.All(pairs, p => Assert.Equal(records[p.Source!].Target, p.Chosen));
            Assert.All(pairs, p => Assert.True(p.HasReference && p.ReferenceChosenLogProb < 0 && p.ChosenTokens > 0));
            var state = Path.Combine(directory, "state");
            using var trainerState = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(state, File.ReadAllText(Path.Combine(state, "latest")), "trainer", "trainer_state.json")));
            var settings = trainerState.RootElement.GetProperty("settings");
            Assert.Equal("0.2", settings.GetProperty("dpo_beta").GetString());
            Assert.Equal(pairs.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), settings.GetProperty("examples").GetString());
            Assert.True(File.Exists(Path.Combine(directory, "model", "config.json")));
        }

        // Round 1 sampled from round 0's model, so its pairs are not round 0's.
        Assert.NotEqual(File.ReadAllLines(Path.Combine(work, "round-0", "pairs.jsonl"))[1..], File.ReadAllLines(Path.Combine(work, "round-1", "pairs.jsonl"))[1..]);

        // Rerun: everything is restored; the stored pairs are read, not rewritten.
        var written = File.GetLastWriteTimeUtc(Path.Combine(work, "round-0", "pairs.jsonl"));
        Assert.Equal(0, await VigorApp.Create().RunAsync(args));
        Assert.Equal(written, File.GetLastWriteTimeUtc(Path.Combine(work, "round-0", "pairs.jsonl")));

        // finetune --objective dpo on the same journal and base builds the same pairs with the same reference log-probabilities.
        var world = Path.Combine(_folder, "world");
        var tuned = Path.Combine(_folder, "tuned");
        Assert.Equal(0, await VigorApp.Create().RunAsync([
            "finetune", "--model", DemoCommand.CommittedModel, "--data", Path.Combine(work, "round-0", "supervision.jsonl"), "--images", Path.Combine(world, "images"),
            "--out", tuned, "--objective", "dpo", "--dpo-beta", "0.2", "--epochs", "1", "--batch-size", "4", "--micro-batch-size", "2"]));
        var fromRun = PreferencePairs.Read(Path.Combine(work, "round-0", "pairs.jsonl"), ImageInput.FromId).Pairs;
        var fromFinetune = PreferencePairs.Read(Path.Combine(tuned, "pairs.jsonl"), ImageInput.FromId).Pairs;
        Assert.Equal(fromRun.Select(p => (p.Source, p.Chosen, p.Rejected)), fromFinetune.Select(p => (p.Source, p.Chosen, p.Rejected)));
        Assert.All(fromRun.Zip(fromFinetune), p => Assert.Equal(p.First.ReferenceChosenLogProb!.Value, p.Second.ReferenceChosenLogProb!.Value, 1e-5 * Math.Abs(p.First.ReferenceChosenLogProb.Value)));
        Assert.True(File.Exists(Path.Combine(tuned, "config.json")));

        // Another objective on the same work folder is another run: refused, naming what differs.
        var sft = await ArgsAsync(work, "--mode", "online", "--rounds", "2");
        var refused = await Assert.ThrowsAnyAsync<InvalidOperationException>(() => VigorApp.Create().RunAsync(sft));
        Assert.Contains("objective was preference, now unset", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sentence_level_sft_plus_dpo_trains_on_penalty_weighted_pairs()
    {
        // Refine-then-select: the least penalised sample after refinement often lost sentences, so there are pairs to build
        // (selecting first picks samples nothing was dropped from, on this world).
        var work = Path.Combine(_folder, "sentence");
        Assert.Equal(0, await VigorApp.Create().RunAsync(await ArgsAsync(work, "--objective", "sft+dpo", "--sft-weight", "0.5", "--pairs", "sentence-level", "--dpo-loss", "ipo", "--selection-order", "refine-then-select")));

        var (header, pairs) = PreferencePairs.Read(Path.Combine(work, "round-0", "pairs.jsonl"), ImageInput.FromId);
        Assert.Equal("SentenceLevel", header.Settings["pairing"]);
        Assert.NotEmpty(pairs);
        Assert.Equal(1.0, pairs.Average(p => p.Weight), 1e-9);
        var records = SupervisionJournal.Read(Path.Combine(work, "round-0", "supervision.jsonl")).ToDictionary(r => r.ImageId);
        Assert.All(pairs, p => Assert.Equal(records[p.Source!].Samples[records[p.Source!].Chosen!.Value].Text, p.Rejected));
    }

    [Fact]
    public async Task The_memory_plan_of_dpo_holds_two_sequences_a_pair_and_no_reference_model()
    {
        var sft = await VigorProcess.RunAsync(["finetune", "--model", DemoCommand.CommittedModel, "--plan", "--lora"]);
        var dpo = await VigorProcess.RunAsync(["finetune", "--model", DemoCommand.CommittedModel, "--plan", "--lora", "--objective", "dpo"]);

        static string Line(string output, string name) => output.Split('\n').Single(l => l.StartsWith(name, StringComparison.Ordinal));
        Assert.Equal(0, dpo.ExitCode);
        foreach (var same in new[] { "weights", "gradients", "optimizer" })
        {
            Assert.Equal(Line(sft.Output, same), Line(dpo.Output, same));
        }

        Assert.NotEqual(Line(sft.Output, "activations"), Line(dpo.Output, "activations"));
    }

    [Theory]
    [InlineData("--objective", "ppo", "--objective: expected sft, dpo or sft+dpo, got 'ppo'")]
    [InlineData("--dpo-beta", "0", "--dpo-beta must be a finite number > 0")]
    [InlineData("--pairs", "random", "--pairs: expected best-vs-worst or sentence-level")]
    public async Task Bad_objective_flags_are_refused_before_anything_runs(string flag, string value, string expected)
    {
        var work = Path.Combine(_folder, "bad");
        var args = await ArgsAsync(work, "--objective", "dpo", flag, value);

        var result = await VigorProcess.RunAsync(args);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(expected, (result.Output + result.Error).ReplaceLineEndings(" ").Replace("  ", " ", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.False(Directory.Exists(work));
    }
}
