using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Cli;
using ViGoR.Cli.Demo.Report;
using ViGoR.Cli.Demo.Run;

namespace ViGoR.Cli.Commands;

/// <summary>
/// <c>vigor demo</c>: the whole ViGoR method in miniature on ShapesWorld, from the committed tiny LLaVA:
/// reward models trained on simulated annotations, the four ablation configurations fine-tuned from the
/// base with the same budget over several seeds, CHAIR and POPE on the test split, the paper's claims
/// checked, a table printed and report.html + results.json written. Progress per phase; Ctrl+C stops and
/// a rerun resumes.
/// </summary>
internal sealed class DemoCommand : AsyncCommand<DemoCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--out <DIR>")]
        [Description("Folder for everything the demo makes: splits, annotations, reward models, journals, models, report.html, results.json (default ./vigor-demo).")]
        public string Out { get; init; } = "vigor-demo";

        [CommandOption("--quick")]
        [Description("A smoke run (one seed, small splits, one epoch) in well under a minute; its numbers are not meant to show anything.")]
        public bool Quick { get; init; }

        [CommandOption("--seeds <N>")]
        [Description("Seeds 1..N (default 3; 1 with --quick).")]
        public int? Seeds { get; init; }

        [CommandOption("--world-seed <N>")]
        [Description("Draw every ShapesWorld split anew from seed N (annotation N+1, train N+2, test N+3, validation N+4), to check the claims on a world nobody tuned on. Default 200.")]
        public int WorldSeed { get; init; } = DemoSettings.DefaultWorldSeed;

        [CommandOption("--calibrate-only")]
        [Description("Only calibrate the base model: evaluate it on the validation split and probe its vision tower, against LLaVA's published error profile; writes calibration.json and runs no ViGoR configuration.")]
        public bool CalibrateOnly { get; init; }

        [CommandOption("--detector <DIR>")]
        [Description("A Grounding DINO ONNX folder to use instead of the simulated detector (ground-truth boxes with misses and false alarms).")]
        public string? Detector { get; init; }

        [CommandOption("--model <DIR>")]
        [Description("The base LLaVA folder (default: the committed tiny ShapesWorld LLaVA, made by vigor pretrain).")]
        public string? Model { get; init; }

        [CommandOption("--annotation-images <N>")]
        [Description("Scenes whose base-model descriptions the simulated annotators label, the reward models' training data (default 600; 24 with --quick). docs/demo.md shows the reward model's held-out ROC AUC growing with it.")]
        public int? AnnotationImages { get; init; }

        [CommandOption("--reward-epochs <N>")]
        [Description("Epochs of reward-model fine-tuning, fine-grained and holistic alike (default 2; 1 with --quick).")]
        public int? RewardEpochs { get; init; }

        [CommandOption("--reward-lr <LR>")]
        [Description("Peak learning rate of reward-model fine-tuning (default 1e-3).")]
        public double? RewardLearningRate { get; init; }

        [CommandOption("--restart")]
        [Description("Delete --out first and start afresh.")]
        public bool Restart { get; init; }

        [CommandOption("--ablation <NAME>")]
        [Description("After the demo, an ablation beyond the paper, on the same supervision, seeds and budget: objectives (ViGoR-All learnt with SFT, DPO, sentence-level DPO, SFT+DPO, IPO, and SFT over 2 online rounds). Adds ablations.objectives to results.json; not part of the default run's budget.")]
        public string? Ablation { get; init; }

        public override ValidationResult Validate() =>
            Seeds is < 1 ? ValidationResult.Error("--seeds must be at least 1.")
            : AnnotationImages is < 5 ? ValidationResult.Error("--annotation-images must be at least 5 (a fifth of them is held out to measure the reward models).")
            : RewardEpochs is < 1 ? ValidationResult.Error("--reward-epochs must be at least 1.")
            : RewardLearningRate is <= 0 ? ValidationResult.Error("--reward-lr must be > 0.")
            : Ablation is not (null or "objectives") ? ValidationResult.Error($"--ablation: the ablation known is objectives, not '{Ablation}'.")
            : ValidationResult.Success();
    }

    /// <summary>Empties <paramref name="folder"/> but for its lock files: removing a held lock file would let another process lock a new one.</summary>
    private static void Clear(string folder)
    {
        foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos())
        {
            if (entry.Name.StartsWith(WorkFolderLock.FolderLockFileName, StringComparison.Ordinal))
            {
                continue;
            }

            if (entry is DirectoryInfo directory)
            {
                directory.Delete(recursive: true);
            }
            else
            {
                entry.Delete();
            }
        }
    }

    /// <summary>Where the committed base model is copied with the tool (src/ViGoR.Cli/Demo/Model).</summary>
    public static string CommittedModel => Path.Combine(AppContext.BaseDirectory, "Demo", "Model");

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var token = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, CliHost.CancellationToken).Token;
        var model = settings.Model ?? CommittedModel;
        if (!File.Exists(Path.Combine(model, "config.json")))
        {
            // Never point at the committed model: pretraining into it would overwrite the tree's copy.
            throw new DirectoryNotFoundException(settings.Model is null
                ? $"The committed base model '{model}' is missing (it is copied beside the tool from src/ViGoR.Cli/Demo/Model): rebuild the tool from a full checkout, or make your own with vigor pretrain --out my-base-model and pass --model my-base-model."
                : $"The base model folder '{model}' has no config.json. Make one with: vigor pretrain --out {model}, or pass another --model DIR.");
        }

        var seeds = Enumerable.Range(1, settings.Seeds ?? (settings.Quick ? 1 : 3)).ToList();
        var demo = (settings.Quick ? DemoSettings.Quick(seeds) : new DemoSettings { Seeds = seeds }) with { GroundingDino = settings.Detector, BaseModel = model, WorldSeed = settings.WorldSeed };
        demo = demo with
        {
            AnnotationImages = settings.AnnotationImages ?? demo.AnnotationImages,
            RewardEpochs = settings.RewardEpochs ?? demo.RewardEpochs,
            RewardLearningRate = settings.RewardLearningRate ?? demo.RewardLearningRate,
        };
        // Before anything in --out is read or removed: one demo per folder.
        using var writer = WorkFolderLock.ForFolder(settings.Out);
        if (settings.Restart)
        {
            Clear(settings.Out);
        }

        AnsiConsole.MarkupLineInterpolated($"[bold]ViGoR demo[/] on ShapesWorld: {demo.TrainImages} training, {demo.AnnotationImages} annotated and {demo.TestImages} test scenes; seeds {string.Join(", ", seeds)}; base model {model}.");
        AnsiConsole.MarkupLine(settings.Detector is null
            ? $"[grey]Detector: ground-truth boxes with {Percent(demo.DetectorMissRate)} misses and {Percent(demo.DetectorFalseAlarmRate)} false alarms, standing in for Grounding DINO (--detector DIR uses a real one).[/]"
            : $"[grey]Detector: Grounding DINO from {Markup.Escape(settings.Detector)}.[/]");
        DemoRunner? runner = null;
        var started = DateTime.UtcNow;
        if (settings.CalibrateOnly)
        {
            await DemoProgressDisplay.RunAsync(async progress =>
            {
                runner = new DemoRunner(settings.Out, demo, progress);
                await runner.CalibrateAsync(token);
                return runner.Calibration.Count;
            });
            using var calibrated = runner!;
            var node = DemoCalibration.Json(demo.WorldSeed, calibrated.Calibration, null, calibrated.Probe);
            AtomicFile.WriteAllText(Path.Combine(settings.Out, "calibration.json"), node.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n");
            foreach (var (name, target) in node["targets"]!.AsObject())
            {
                var held = target!["held"]!.GetValue<bool>();
                AnsiConsole.MarkupLine((held ? "[green]held[/]      " : "[red]not held[/]  ") + Markup.Escape($"{name}: {target["detail"]!.GetValue<string>()}. {target["statement"]!.GetValue<string>()}"));
            }

            return 0;
        }

        IReadOnlyDictionary<string, IReadOnlyList<DemoEvaluation>>? arms = null;
        var evaluations = await DemoProgressDisplay.RunAsync(async progress =>
        {
            runner = new DemoRunner(settings.Out, demo, progress);
            var paper = await runner.RunAsync(token);
            if (settings.Ablation == "objectives")
            {
                arms = await DemoObjectiveAblation.RunAsync(runner, progress, token);
            }

            return paper;
        });
        var elapsed = DateTime.UtcNow - started;

        var configs = DemoResults.Summarise(evaluations);
        var diagnostics = DemoDiagnostics.Read(runner!);
        var claims = DemoResults.Claims(configs, diagnostics);
        var notes = Notes(runner!, demo, seeds);
        var calibration = DemoCalibration.Json(demo.WorldSeed, runner!.Calibration, diagnostics.FineGrainedRocAuc, runner.Probe);
        var supervision = diagnostics.Json(DemoResults.Means(configs));
        var variants = new System.Text.Json.Nodes.JsonObject(runner!.Variants.Select(kv => KeyValuePair.Create(kv.Key, (System.Text.Json.Nodes.JsonNode?)DemoDiagnostics.Figures(kv.Value))));
        var results = System.Text.Json.Nodes.JsonNode.Parse(DemoResults.Json(seeds, configs, claims, notes, calibration, supervision, variants))!.AsObject();
        string? ablationTable = null;
        if (arms is not null)
        {
            results["ablations"] = new System.Text.Json.Nodes.JsonObject { ["objectives"] = DemoObjectiveAblation.Json(arms) };
            ablationTable = DemoObjectiveAblation.Table(arms);
        }

        AtomicFile.WriteAllText(Path.Combine(settings.Out, "results.json"), results.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n");
        var report = await DemoReportBuilder.BuildAsync(runner!, configs, claims, notes, calibration, diagnostics, token);
        DemoReportWriter.Write(Path.Combine(settings.Out, "report.html"), report);
        runner!.Dispose();

        Print(configs, claims);
        if (ablationTable is not null)
        {
            AnsiConsole.WriteLine("Objectives ablation (test split, mean over seeds; CHAIR, recall and POPE F1 in %):");
            AnsiConsole.WriteLine(ablationTable);
        }

        AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"Done in {elapsed.TotalSeconds:F0} s. Report: [blue]{Path.Combine(settings.Out, "report.html")}[/], numbers: [blue]{Path.Combine(settings.Out, "results.json")}[/].");
        return 0;
    }

    /// <summary>The run's setup in words, for results.json and the report; folders are named, never given as absolute paths (which would show the build tree or the user's home).</summary>
    internal static List<string> Notes(DemoRunner runner, DemoSettings demo, IReadOnlyList<int> seeds)
    {
        var notes = new List<string>
        {
            $"Base model: {DisplayName(demo.BaseModel ?? CommittedModel)} (a tiny LLaVA pre-trained by `vigor pretrain` on ShapesWorld captions of which a fraction name an absent, co-occurring object).",
            demo.GroundingDino is null
                ? $"Detector: the annotation-backed detector with {Percent(demo.DetectorMissRate)} missed boxes and {Percent(demo.DetectorFalseAlarmRate)} false alarms per absent object asked about, standing in for Grounding DINO."
                : $"Detector: Grounding DINO from {DisplayName(demo.GroundingDino)}.",
            $"Annotators: simulated from ground truth; each sentence's label is wrong with probability {Percent(demo.AnnotatorNoise)}.",
            string.Create(CultureInfo.InvariantCulture, $"Fine-tuning: every configuration from the base, {demo.Epochs} epochs, lr {demo.LearningRate:G}, batch {demo.BatchSize}, seed = run seed (the paper's lr 2e-5 barely moves a model this small in so few steps)."),
            string.Create(CultureInfo.InvariantCulture, $"Sampling: k = {demo.NumSamples}, temperature {demo.Temperature:G}; CHAIR scores one description per test image sampled at the same temperature; POPE answers are greedy."),
        };
        foreach (var seed in seeds)
        {
            foreach (var config in DemoConfig.Trained)
            {
                var untrained = Path.Combine(runner.ConfigDirectory(seed, config.Name), "untrained.txt");
                if (File.Exists(untrained))
                {
                    notes.Add($"Seed {seed}, {config.Label}: refinement dropped every sentence, so it was not fine-tuned and the base model's numbers stand in for it.");
                }
            }

        }

        foreach (var holistic in new[] { false, true })
        {
            var path = Path.Combine(runner.RewardModelDirectory(holistic), "metrics.json");
            if (File.Exists(path))
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(path));
                var r = doc.RootElement;
                notes.Add(string.Create(CultureInfo.InvariantCulture, $"The {(holistic ? "holistic" : "fine-grained")} reward model (trained once, seed {demo.RewardSeed}, shared by all seeds) on held-out annotations: accuracy {Number(r, "accuracy")}, error F1 {Number(r, "error_f1")}, ROC AUC {Number(r, "roc_auc")}."));
            }
        }

        return notes;
    }

    /// <summary>The committed model by its place in the repository; any other folder by its name.</summary>
    private static string DisplayName(string folder)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        return full == Path.TrimEndingDirectorySeparator(Path.GetFullPath(CommittedModel)) ? "the committed model, src/ViGoR.Cli/Demo/Model" : Path.GetFileName(full);
    }

    private static string Number(JsonElement root, string name) =>
        root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble().ToString("0.000", CultureInfo.InvariantCulture) : "n/a";

    private static string Percent(double fraction) => (fraction * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%";

    private static void Print(IReadOnlyList<ReportConfig> configs, IReadOnlyList<ReportClaim> claims)
    {
        var table = new Table().AddColumns("model", "CHAIRi ↓", "CHAIRs ↓", "recall ↑", "words", "POPE F1 ↑");
        foreach (var c in configs)
        {
            table.AddRow(
                Markup.Escape(c.Label),
                Cell(c, "chair_i", percent: true),
                Cell(c, "chair_s", percent: true),
                Cell(c, "recall", percent: true),
                Cell(c, "words", percent: false),
                Cell(c, "pope_f1", percent: true));
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("[grey]Mean ± std over seeds. CHAIRi: share of mentioned objects not in the image; CHAIRs: share of descriptions with at least one; recall: share of present objects mentioned; POPE F1: mean over random, popular, adversarial.[/]");
        foreach (var claim in claims)
        {
            if (claim.Held)
            {
                AnsiConsole.MarkupLineInterpolated($"[green]held[/]          {claim.Statement} {claim.Explanation}");
            }
            else
            {
                AnsiConsole.MarkupLineInterpolated($"[red]did not hold[/]  {claim.Statement} {claim.Explanation}");
            }
        }
    }

    private static string Cell(ReportConfig config, string metric, bool percent)
    {
        if (!config.Metrics.TryGetValue(metric, out var m))
        {
            return "—";
        }

        double scale = percent ? 100 : 1;
        return string.Create(CultureInfo.InvariantCulture, $"{m.Mean * scale:0.0} ± {m.Std * scale:0.0}");
    }
}
