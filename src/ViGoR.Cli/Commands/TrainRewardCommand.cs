using System.ComponentModel;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using ViGoR.Cli.RewardModel;
using ViGoR.Evaluation;
using ViGoR.Torch;
using ViGoR.Torch.Rewards;
using ViGoR.Torch.Training;

using ViGoR.Cli.Pipeline;

namespace ViGoR.Cli.Commands;

/// <summary><c>vigor train-reward</c>: trains the ViGoR reward model on fine-grained annotations and measures it on held-out images.</summary>
internal sealed class TrainRewardCommand : AsyncCommand<TrainRewardCommand.Settings>
{
    public sealed class Settings : FineTuningSettings
    {
        [CommandOption("--base <DIR>")]
        [Description("The LVLM the reward model starts from (the paper initialises it from the LVLM's weights): a LLaVA folder.")]
        public string Base { get; init; } = "";

        [CommandOption("--annotations <FILE>")]
        [Description("Fine-grained annotations, JSON Lines (docs/annotations.md).")]
        public string Annotations { get; init; } = "";

        [CommandOption("--images <DIR>")]
        [Description("The folder the annotations' image paths are relative to.")]
        public string Images { get; init; } = "";

        [CommandOption("--out <DIR>")]
        [Description("Where the reward model, vigor_reward.json, metrics.json, split.json and checkpoints/ go.")]
        public string Out { get; init; } = "";

        [CommandOption("--holistic")]
        [Description("Train the holistic ablation (Sec. 4.6): one example per description, wrong when any sentence is.")]
        public bool Holistic { get; init; }

        [CommandOption("--eval-fraction <F>")]
        [Description("Share of images held out for metrics (default 0.1); no image is on both sides.")]
        public double EvalFraction { get; init; } = 0.1;

        [CommandOption("--eval <FILE>")]
        [Description("Held-out annotations instead of --eval-fraction.")]
        public string? Eval { get; init; }

        [CommandOption("--skip-invalid")]
        [Description("Skip invalid annotation lines (each is reported with file, line and field) instead of stopping.")]
        public bool SkipInvalid { get; init; }

        /// <summary>The paper trains the reward model for 5 epochs.</summary>
        [CommandOption("--seed <S>")]
        [Description("Seed of the data order and dropout, and of the held-out split (default 42).")]
        public int Seed { get; init; } = 42;

        public Settings() => Epochs = 5;

        public override ValidationResult Validate()
        {
            var shared = base.Validate();
            if (!shared.Successful)
            {
                return shared;
            }

            if (string.IsNullOrWhiteSpace(Base) || string.IsNullOrWhiteSpace(Annotations) || string.IsNullOrWhiteSpace(Images) || string.IsNullOrWhiteSpace(Out))
            {
                return ValidationResult.Error("--base, --annotations, --images and --out are required.");
            }

            return EvalFraction is < 0 or >= 1 ? ValidationResult.Error("--eval-fraction must be in [0, 1).") : ValidationResult.Success();
        }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var ct = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, CliHost.CancellationToken).Token;
        var descriptions = Read(settings.Annotations, settings);
        var heldOut = settings.Eval is null ? null : Read(settings.Eval, settings);
        using var features = TorchFlags.FeatureCache(settings.FeatureCache);
        var fineTuning = settings.FineTuningOptions(features, settings.Seed);
        var options = new LlavaRewardModelTrainerOptions
        {
            OutputDirectory = settings.Out,
            ImagesDirectory = settings.Images,
            Holistic = settings.Holistic,
            EvalFraction = settings.EvalFraction,
            Epochs = fineTuning.Epochs,
            BatchSize = fineTuning.BatchSize,
            MicroBatchSize = fineTuning.MicroBatchSize,
            LearningRate = fineTuning.LearningRate,
            WarmupRatio = fineTuning.WarmupRatio,
            Seed = fineTuning.Seed,
            SaveEverySteps = fineTuning.SaveEverySteps,
            FineTuning = LlavaFineTuningOptions.From(fineTuning),
        };

        LlavaVisionLanguageModel? loaded = null;
        AnsiConsole.Status().Start($"Loading {settings.Base}", _ => loaded = LlavaVisionLanguageModel.Load(settings.Base, settings.ModelOptions()));
        using var model = loaded!;
        var trainer = new LlavaRewardModelTrainer(model, options, RewardModelMeasure.Metrics(settings.Images, settings.Holistic));
        LlavaRewardModelTrainingResult? result = null;
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async progressContext =>
            {
                var task = progressContext.AddTask("Training the reward model", maxValue: 1);
                var progress = new SyncProgress<FineTuningProgress>(p =>
                {
                    task.MaxValue = p.TotalSteps;
                    task.Value = p.Step;
                    task.Description = string.Create(CultureInfo.InvariantCulture, $"Step {p.Step}/{p.TotalSteps} loss {p.Loss:F4}");
                });
                result = await trainer.TrainAsync(descriptions, heldOut, progress, ct);
                task.Value = task.MaxValue;
            });

        TorchFlags.ReportFeatureCache(features);
        AnsiConsole.MarkupLineInterpolated($"{result!.TrainDescriptions} training and {result.EvalDescriptions} held-out descriptions ({(settings.Holistic ? "holistic" : "fine-grained")} reward model).");
        var m = result.Metrics as RewardModelMetrics ?? throw new InvalidDataException("No held-out description: give --eval-fraction > 0 (with two or more images) or --eval FILE.");
        AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"Held out ({m.Sentences} {(settings.Holistic ? "descriptions" : "sentences")}, {m.Errors} wrong): accuracy {m.Accuracy:F3}, error precision {m.ErrorPrecision:F3}, recall {m.ErrorRecall:F3}, F1 {m.ErrorF1:F3}, ROC AUC {(m.RocAuc is { } auc ? auc.ToString("F3", CultureInfo.InvariantCulture) : "n/a")}.");
        AnsiConsole.MarkupLineInterpolated($"Reward model written to [green]{settings.Out}[/] (metrics.json beside it). Use it: vigor run --reward-model {settings.Out}{(settings.Holistic ? " --granularity holistic" : string.Empty)}");
        return 0;
    }

    private static IReadOnlyList<AnnotatedDescription> Read(string path, Settings settings)
    {
        var file = ViGoR.Annotations.Read(path, settings.Images, settings.SkipInvalid);
        foreach (var problem in file.Problems)
        {
            AnsiConsole.MarkupLineInterpolated($"[yellow]skipped[/] {problem.ToString()}");
        }

        return file.Descriptions;
    }
}
