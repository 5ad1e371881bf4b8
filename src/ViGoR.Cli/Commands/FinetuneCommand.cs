using System.ComponentModel;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using ViGoR.Torch;
using ViGoR.Torch.Modeling;
using ViGoR.Torch.Tokenization;
using ViGoR.Torch.Training;
using static TorchSharp.torch;

using ViGoR.Cli.Pipeline;

namespace ViGoR.Cli.Commands;

/// <summary>
/// <c>vigor finetune</c>: fine-tunes a LLaVA folder on the refined targets of a supervision journal
/// (the records with status ok) and writes the result as a model folder. Checkpoints go to
/// <c>OUT/checkpoints</c>; running the same command again after a crash or Ctrl+C resumes there.
/// </summary>
internal sealed class FinetuneCommand : AsyncCommand<FinetuneCommand.Settings>
{
    private static readonly string[] ImageExtensions = [".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif"];

    public sealed class Settings : ObjectiveSettings
    {
        [CommandOption("--model <DIR>")]
        [Description("LLaVA folder to start from: llava-hf or original LLaVA.")]
        public string Model { get; init; } = "";

        [CommandOption("--data <FILE>")]
        [Description("Supervision journal (JSON Lines from `vigor run`); records with status ok and a target are the examples.")]
        public string Data { get; init; } = "";

        [CommandOption("--out <DIR>")]
        [Description("Where the fine-tuned model folder is written (checkpoints in OUT/checkpoints).")]
        public string Out { get; init; } = "";

        [CommandOption("--images <DIR>")]
        [Description("Folder for records whose image is relative or missing (then IMAGES/<image_id>[[.jpg|.png...]]). Default: the journal's folder.")]
        public string? Images { get; init; }

        [CommandOption("--lora-targets <T>")]
        [Description("all-linear (default, LLaVA-1.5) | attention (q/k/v/o_proj only).")]
        public string LoraTargets { get; init; } = "all-linear";

        [CommandOption("--lora-alpha <A>")]
        [Description("LoRA alpha (default 2 x rank, LLaVA-1.5's ratio).")]
        public double? LoraAlpha { get; init; }

        [CommandOption("--lora-dropout <P>")]
        [Description("LoRA dropout (default 0.05, LLaVA-1.5).")]
        public double LoraDropout { get; init; } = 0.05;

        [CommandOption("--train-vision-tower")]
        [Description("Also train the CLIP tower (LLaVA keeps it frozen).")]
        public bool TrainVisionTower { get; init; }

        [CommandOption("--conv-mode <MODE>")]
        [Description("vicuna_v1 | llava_v1 | llava_hf. Default: llava_hf for llava-hf folders, vicuna_v1 for original LLaVA. Use the mode you will sample with.")]
        public string? ConvMode { get; init; }

        [CommandOption("--seed <S>")]
        [Description("Seed of the data order and dropout (default 42).")]
        public int Seed { get; init; } = 42;

        [CommandOption("--plan")]
        [Description("Print what this configuration needs in memory (weights, gradients, optimizer state, activations) from the model's config.json, and exit.")]
        public bool Plan { get; init; }

        [CommandOption("--sequence-length <N>")]
        [Description("Tokens per example the plan assumes, image tokens included (default 2048, LLaVA-1.5's model_max_length).")]
        public int SequenceLength { get; init; } = 2048;

        [CommandOption("--device-memory <GB>")]
        [Description("Memory of the chosen device in GB; a run the plan says cannot fit stops before loading. Default on the CPU: the memory available to this process; on CUDA: not checked.")]
        public double? DeviceMemory { get; init; }

        [CommandOption("--vision-tower <DIR>")]
        [Description("Original LLaVA only: the local CLIP folder its mm_vision_tower names.")]
        public string? VisionTower { get; init; }

        public override ValidationResult Validate()
        {
            var shared = base.Validate();
            if (!shared.Successful)
            {
                return shared;
            }

            if (string.IsNullOrWhiteSpace(Model) || (!Plan && (string.IsNullOrWhiteSpace(Data) || string.IsNullOrWhiteSpace(Out))))
            {
                return ValidationResult.Error("--model, --data and --out are required (--plan needs only --model).");
            }

            if (FeatureCache > 0 && TrainVisionTower)
            {
                return ValidationResult.Error("--feature-cache must be 0 with --train-vision-tower (a tower that trains has no fixed features to reuse).");
            }

            return ValidationResult.Success();
        }

        protected override void ConfigureLlava(LlavaFineTuningOptions options)
        {
            options.FreezeVisionTower = !TrainVisionTower;
            options.LoraAlpha = LoraAlpha;
            options.LoraDropout = LoraDropout;
            options.LoraTargets = TorchFlags.ParseLoraTargets(LoraTargets);
        }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var ct = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, CliHost.CancellationToken).Token;
        var plan = FineTuningMemoryPlan.Estimate(LlavaModelConfig.Load(settings.Model, settings.VisionTower), new FineTuningPlanRequest
        {
            DType = TorchFlags.ParseDType(settings.DType),
            LoraRank = settings.EffectiveLoraRank,
            LoraTargets = TorchFlags.ParseLoraTargets(settings.LoraTargets),
            FreezeVisionTower = !settings.TrainVisionTower,
            GradientCheckpointing = settings.GradientCheckpointing,
            MicroBatchSize = settings.MicroBatchSize,
            SequenceLength = settings.SequenceLength,
            Objective = ObjectiveFlags.Objective(settings.Objective),
        });
        if (settings.Plan)
        {
            AnsiConsole.WriteLine(plan.Describe());
            return 0;
        }

        var capacity = settings.DeviceMemory is { } gb ? (long)(gb * 1e9) : IsCpu(settings.Device) ? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes : (long?)null;
        if (capacity is { } bytes && plan.TotalBytes > bytes)
        {
            throw new InvalidOperationException(
                $"This configuration needs about {FineTuningMemoryPlan.Gb(plan.TotalBytes).Trim()} ({plan.Describe().Replace(Environment.NewLine, "; ", StringComparison.Ordinal)}), more than the device's {FineTuningMemoryPlan.Gb(bytes).Trim()}. Try --lora, --gradient-checkpointing, --dtype bfloat16, a smaller --micro-batch-size, or see docs/scale.md.");
        }

        var objective = ObjectiveFlags.Objective(settings.Objective);
        var examples = ReadExamples(settings.Data, settings.Images, out var skipped);
        AnsiConsole.MarkupLineInterpolated($"{examples.Count} example(s) from {settings.Data} ({skipped} record(s) without a target skipped).");
        if (examples.Count == 0)
        {
            throw new InvalidDataException($"{settings.Data} has no record with status ok and a target: nothing to fine-tune on.");
        }

        var modelOptions = settings.ModelOptions();
        modelOptions.ConversationMode = settings.ConvMode is null ? null : ConversationTemplate.Parse(settings.ConvMode);
        modelOptions.VisionTowerDirectory = settings.VisionTower;

        LlavaVisionLanguageModel? loaded = null;
        AnsiConsole.Status().Start($"Loading {settings.Model}", _ => loaded = LlavaVisionLanguageModel.Load(settings.Model, modelOptions));
        using var model = loaded!;
        AnsiConsole.MarkupLineInterpolated($"Loaded on {model.Module.Device.type} ({model.Module.DType}), prompt format {ConversationTemplate.Name(model.ConversationMode)}.");

        using var features = TorchFlags.FeatureCache(settings.FeatureCache);
        var options = settings.FineTuningOptions(features, settings.Seed);
        options.CheckpointDirectory = Path.Combine(settings.Out, "checkpoints");

        FineTuningResult? result = null;
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async progressContext =>
            {
                var task = progressContext.AddTask("Fine-tuning", maxValue: 1);
                var progress = new SyncProgress<FineTuningProgress>(p =>
                {
                    task.MaxValue = p.TotalSteps;
                    task.Value = p.Step;
                    task.Description = string.Create(CultureInfo.InvariantCulture, $"Step {p.Step}/{p.TotalSteps} (epoch {p.Epoch + 1}) loss {p.Loss:F4} lr {p.LearningRate:E2}");
                });
                result = objective == TrainingObjective.Sft
                    ? await model.FineTuneAsync(examples, options, progress, ct)
                    : await model.PreferenceTuneAsync(await PairsAsync(model, settings, examples, ct), ObjectiveFlags.Dpo(settings), options, progress, ct);
                task.Value = task.MaxValue;
            });

        if (result!.ResumedFromStep > 0)
        {
            AnsiConsole.MarkupLineInterpolated($"Resumed at step {result.ResumedFromStep}.");
        }

        TorchFlags.ReportFeatureCache(features);

        AnsiConsole.Status().Start($"Saving to {settings.Out}", _ => model.SaveCheckpointAsync(settings.Out, ct).GetAwaiter().GetResult());
        AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"Done: {result.Steps} step(s), final loss {result.FinalLoss:F4}. Model written to {settings.Out}.");
        return 0;
    }

    /// <summary>
    /// The journal's preference pairs with the reference log-probabilities of <paramref name="model"/> as loaded,
    /// computed once and kept in OUT/pairs.jsonl (a rerun reads them back; other supervision is refused).
    /// </summary>
    private static async Task<IReadOnlyList<PreferencePair>> PairsAsync(LlavaVisionLanguageModel model, Settings settings, IReadOnlyList<FineTuningExample> examples, CancellationToken cancellationToken)
    {
        var images = examples.ToDictionary(e => e.Image.Id, e => e.Image, StringComparer.Ordinal);
        var pairing = ObjectiveFlags.Pairing(settings.Pairs);
        var pairs = PreferencePairs.FromRecords(SupervisionJournal.Read(settings.Data), pairing, r => images[r.ImageId]);
        if (pairs.Count == 0)
        {
            throw new InvalidDataException($"{settings.Data}: no preference pair ({settings.Pairs}): no image has a target and a sample to prefer it over.");
        }

        var header = PreferencePairs.Header(settings.Data, pairing, ComponentIdentity.ForPath("llava", settings.Model));
        Directory.CreateDirectory(settings.Out);
        AnsiConsole.MarkupLineInterpolated($"{pairs.Count} preference pair(s); reference log-probabilities from {settings.Model}.");
        return await PreferencePairs.WithReferenceAsync(model, pairs, Path.Combine(settings.Out, RejectionSamplingTrainer.PairsFileName), header, settings.MicroBatchSize, cancellationToken);
    }

    private static bool IsCpu(string? device) => device is null ? !TorchSharp.torch.cuda.is_available() : device.StartsWith("cpu", StringComparison.OrdinalIgnoreCase);

    /// <summary>The training examples of a supervision journal: records with status ok and a non-empty target.</summary>
    internal static List<FineTuningExample> ReadExamples(string journal, string? imagesDirectory, out int skipped)
    {
        if (!File.Exists(journal))
        {
            throw new FileNotFoundException($"Supervision journal '{journal}' does not exist.", journal);
        }

        var records = SupervisionJournal.Read(journal);
        var baseDirectory = imagesDirectory ?? Path.GetDirectoryName(Path.GetFullPath(journal))!;
        var examples = new List<FineTuningExample>();
        skipped = 0;
        for (int i = 0; i < records.Count; i++)
        {
            var record = records[i];
            if (record.Status != SupervisionStatus.Ok || string.IsNullOrWhiteSpace(record.Target))
            {
                skipped++;
                continue;
            }

            var path = ResolveImage(record, baseDirectory)
                ?? throw new FileNotFoundException(
                    $"{journal}, record {i + 1} (image_id '{record.ImageId}'): " +
                    (record.Image is null
                        ? $"no image path, and no file {Path.Combine(baseDirectory, record.ImageId)}[.jpg|.png|...]."
                        : $"image '{record.Image}' not found (relative paths resolve against {baseDirectory}).") +
                    " Pass --images DIR.");
            examples.Add(new FineTuningExample(ImageInput.FromFile(path, record.ImageId), record.Prompt, record.Target));
        }

        return examples;
    }

    private static string? ResolveImage(SupervisionRecord record, string baseDirectory)
    {
        if (record.Image is { } image)
        {
            var candidate = Path.IsPathRooted(image) ? image : Path.Combine(baseDirectory, image);
            return File.Exists(candidate) ? candidate
                : Path.IsPathRooted(image) && File.Exists(Path.Combine(baseDirectory, Path.GetFileName(image))) ? Path.Combine(baseDirectory, Path.GetFileName(image))
                : null;
        }

        var byId = Path.Combine(baseDirectory, record.ImageId);
        return File.Exists(byId) ? byId : ImageExtensions.Select(e => byId + e).FirstOrDefault(File.Exists);
    }
}
