using System.Globalization;
using System.Text.Json.Nodes;
using ViGoR.Cli.Demo.Report;
using ViGoR.Torch;

namespace ViGoR.Cli.Demo.Run;

/// <summary>One arm of the objectives ablation: what ViGoR-All's supervision is learnt with.</summary>
/// <param name="Name">Folder and results key.</param>
/// <param name="Label">What the report calls it.</param>
/// <param name="Dpo">The preference loss and pairing; null for the paper's SFT.</param>
/// <param name="OnlineRounds">1: offline; 2: a second round sampled from the first round's model.</param>
internal sealed record ObjectiveArm(string Name, string Label, DpoOptions? Dpo, int OnlineRounds = 1)
{
    public static readonly IReadOnlyList<ObjectiveArm> All =
    [
        new("vigor_all", "ViGoR-All, SFT (paper)", null),
        new("vigor_all_dpo", "ViGoR-All, DPO", new DpoOptions()),
        new("vigor_all_dpo_sentence", "ViGoR-All, sentence-level DPO", new DpoOptions { Pairing = PreferencePairing.SentenceLevel }),
        new("vigor_all_sft_dpo", "ViGoR-All, SFT+DPO", new DpoOptions { SftWeight = 1 }),

        // Not in the list: IPO compares log-probabilities averaged per token, so it tests whether DPO's gain is
        // the brevity its longer rejected answers teach. Its margin target 1/(2β) is in nats per token, hence β 0.5 (1 nat), not DPO's 0.1 (5).
        new("vigor_all_ipo", "ViGoR-All, IPO (per-token)", new DpoOptions { Loss = PreferenceLoss.Ipo, Beta = 0.5 }),
        new("vigor_all_online", "ViGoR-All, SFT, 2 online rounds", null, OnlineRounds: 2),
    ];
}

/// <summary>
/// <c>vigor demo --ablation objectives</c>: ViGoR-All's supervision (the same journal, seeds and
/// budget) learnt with the paper's SFT, DPO (refined target over the most penalised sample),
/// sentence-level DPO (refined target over the chosen sample with its dropped sentences kept,
/// penalty-weighted), SFT+DPO, IPO (length-normalised) and SFT over two online rounds; each evaluated on the test split.
/// </summary>
/// <remarks>
/// Same budget: every arm takes Epochs × ceil(N / batch) optimizer steps over N examples a round, N the
/// images with a refined target. A preference arm has P ≤ N pairs; they are cycled to N examples an epoch
/// (each pair about N / P times), so no arm sees fewer updates. The reference log-probabilities are the
/// base model's, computed once per seed and arm and kept in <c>pairs.jsonl</c>. The online arm's second
/// round samples k descriptions from the first round's model (seeds derived with round 1), has the same
/// reward model judge them, selects and refines with ViGoR-All, and fine-tunes the first round's model.
/// Every product is written once and reused by a rerun.
/// </remarks>
internal static class DemoObjectiveAblation
{
    private static readonly string[] TableMetrics = ["chair_i", "chair_s", "recall", "words"];

    public static async Task<IReadOnlyDictionary<string, IReadOnlyList<DemoEvaluation>>> RunAsync(DemoRunner runner, IProgress<DemoProgress>? progress, CancellationToken cancellationToken)
    {
        var all = DemoConfig.Trained.First(c => c.Name == "vigor_all");
        var results = new Dictionary<string, IReadOnlyList<DemoEvaluation>>(StringComparer.Ordinal);
        var perArm = ObjectiveArm.All.ToDictionary(a => a.Name, _ => new List<DemoEvaluation>(), StringComparer.Ordinal);
        foreach (var seed in runner.Settings.Seeds)
        {
            var journal = runner.JournalPath(seed, all.Name);
            var offline = Path.Combine(runner.ConfigDirectory(seed, all.Name), "model");
            foreach (var arm in ObjectiveArm.All)
            {
                string model = arm switch
                {
                    { Dpo: null, OnlineRounds: 1 } => offline,
                    { Dpo: { } dpo } => await PreferenceAsync(runner, seed, arm, dpo, journal, progress, cancellationToken),
                    _ => await OnlineRoundAsync(runner, seed, arm, all, offline, cancellationToken),
                };
                perArm[arm.Name].Add(await runner.EvaluateAsync(seed, arm.Name, model, cancellationToken));
            }
        }

        foreach (var (name, list) in perArm)
        {
            results[name] = list;
        }

        return results;
    }

    private static async Task<string> PreferenceAsync(DemoRunner runner, int seed, ObjectiveArm arm, DpoOptions dpo, string journal, IProgress<DemoProgress>? progress, CancellationToken cancellationToken)
    {
        var directory = runner.ConfigDirectory(seed, arm.Name);
        var pairs = PreferencePairs.FromRecords(SupervisionJournal.Read(journal), dpo.Pairing, runner.TrainImage);
        if (pairs.Count == 0)
        {
            // E.g. sentence-level pairs when no chosen sample lost a sentence: nothing to prefer, so the base stands in (as an SFT arm without targets).
            Directory.CreateDirectory(directory);
            AtomicFile.WriteAllText(Path.Combine(directory, "untrained.txt"), $"{journal}: no preference pair ({dpo.Pairing}), so {arm.Label} was not trained; the base model stands in for it.\n");
            return runner.BaseModel;
        }

        return await runner.TrainAsync(seed, arm.Name, arm.Label, journal, runner.BaseModel, async (model, examples, options, steps) =>
        {
            var header = PreferencePairs.Header(journal, dpo.Pairing, "base model");
            progress?.Report(new DemoProgress($"seed {seed}: reference log-probs for {arm.Label}", 0, pairs.Count));
            var referenced = await PreferencePairs.WithReferenceAsync(model, pairs, Path.Combine(directory, RejectionSamplingTrainer.PairsFileName), header, 16, cancellationToken);

            // The same budget as SFT: N examples an epoch, the P pairs cycled.
            var cycled = Enumerable.Range(0, examples.Count).Select(i => referenced[i % referenced.Count]).ToList();
            await model.PreferenceTuneAsync(cycled, dpo, options, steps, cancellationToken);
        }, cancellationToken);
    }

    private static async Task<string> OnlineRoundAsync(DemoRunner runner, int seed, ObjectiveArm arm, DemoConfig all, string firstRound, CancellationToken cancellationToken)
    {
        var directory = runner.ConfigDirectory(seed, arm.Name);
        Directory.CreateDirectory(directory);
        var samples = await runner.SampleAsync(seed, runner.World.Train, directory, cancellationToken, firstRound, round: 1);
        var judgements = await runner.JudgeAsync(seed, runner.World.Train, samples, runner.FineGrainedRewardModel, cancellationToken);
        var journal = await runner.SuperviseAsync(seed, all, runner.World.Train, samples, null, judgements, Path.Combine(directory, "round-1", RejectionSamplingTrainer.SupervisionFileName), cancellationToken);
        return await runner.TrainAsync(seed, arm.Name, arm.Label, journal, firstRound, (model, examples, options, steps) => model.FineTuneAsync(examples, options, steps, cancellationToken), cancellationToken);
    }

    /// <summary>The arms' means and per-seed values of the headline metrics and POPE F1 per split, for results.json.</summary>
    public static JsonObject Json(IReadOnlyDictionary<string, IReadOnlyList<DemoEvaluation>> evaluations)
    {
        var root = new JsonObject();
        foreach (var arm in ObjectiveArm.All.Where(a => evaluations.ContainsKey(a.Name)))
        {
            var runs = evaluations[arm.Name];
            var metrics = new JsonObject { ["label"] = arm.Label };
            foreach (var key in runs[0].Metrics.Keys.Order(StringComparer.Ordinal))
            {
                var values = runs.Select(r => r.Metrics.GetValueOrDefault(key, double.NaN)).ToList();
                var summary = DemoResults.Summary(values);
                metrics[key] = new JsonObject { ["mean"] = summary.Mean, ["std"] = summary.Std, ["per_seed"] = new JsonArray(values.Select(v => (JsonNode)v).ToArray()) };
            }

            root[arm.Name] = metrics;
        }

        return root;
    }

    /// <summary>A plain-text table of the arms (mean over seeds), for the console and docs/demo.md.</summary>
    public static string Table(IReadOnlyDictionary<string, IReadOnlyList<DemoEvaluation>> evaluations)
    {
        static string P(double v) => (v * 100).ToString("0.0", CultureInfo.InvariantCulture);
        var keys = TableMetrics.Concat(DemoEvaluation.PopeSplits.Select(s => $"pope_f1_{s}")).ToList();
        var lines = new List<string> { "| arm | " + string.Join(" | ", keys) + " |", "| --- |" + string.Concat(keys.Select(_ => " ---: |")) };
        foreach (var arm in ObjectiveArm.All.Where(a => evaluations.ContainsKey(a.Name)))
        {
            var runs = evaluations[arm.Name];
            lines.Add($"| {arm.Label} | " + string.Join(" | ", keys.Select(k =>
            {
                var mean = runs.Average(r => r.Metrics.GetValueOrDefault(k, double.NaN));
                return k == "words" ? mean.ToString("0.0", CultureInfo.InvariantCulture) : P(mean);
            })) + " |");
        }

        return string.Join(Environment.NewLine, lines);
    }
}
