using System.ComponentModel;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using Spectre.Console.Cli;
using ViGoR.Cli.Pipeline;

namespace ViGoR.Cli.Commands;

/// <summary><c>vigor run</c>: the ViGoR method on a data set (supervision, then fine-tuning).</summary>
internal sealed class RunCommand : AsyncCommand<RunCommand.Settings>
{
    public sealed class Settings : ObjectiveSettings
    {
        [CommandOption("--data <FILE>")]
        [Description("JSON Lines of images to describe: {\"id\", \"image\", \"prompt\"}. Default: the images of --samples.")]
        public string? Data { get; init; }

        [CommandOption("--images <DIR>")]
        [Description("Folder the 'image' paths of --data are relative to.")]
        public string? Images { get; init; }

        [CommandOption("--prompt <TEXT>")]
        [Description("Prompt for items that have none.")]
        public string? Prompt { get; init; }

        [CommandOption("--model <DIR>")]
        [Description("LLaVA folder (llava-hf or original LLaVA) to sample and fine-tune.")]
        public string? Model { get; init; }

        [CommandOption("--samples <FILE>")]
        [Description("Replay recorded samples (vigor generate output) instead of sampling a model; supervision only.")]
        public string? Samples { get; init; }

        [CommandOption("--detector <DIR>")]
        [Description("Grounding DINO ONNX model folder for the automatic reward.")]
        public string? Detector { get; init; }

        [CommandOption("--annotations <FILE>")]
        [Description("Ground-truth boxes (COCO instances JSON or LLaVA caps_boxes JSONL) instead of a detector.")]
        public string? Annotations { get; init; }

        [CommandOption("--reward-model <DIR>")]
        [Description("LLaVA reward-model folder for the sentence reward.")]
        public string? RewardModel { get; init; }

        [CommandOption("--judgements <FILE>")]
        [Description("Replay per-sentence judgements made elsewhere as the reward model: JSON Lines of {\"image\", \"sentence\", \"score\", \"error\"} and optionally \"label_score\" (the most probable label's score when score is an expectation).")]
        public string? Judgements { get; init; }

        [CommandOption("--missing-judgement <P>")]
        [Description("With --judgements, a sentence that has none: error (default) | neutral.")]
        public string MissingJudgement { get; init; } = "error";

        [CommandOption("--on-unreadable <P>")]
        [Description("A reward-model reply that is not a number: neutral (default; recorded and counted) | error.")]
        public string OnUnreadable { get; init; } = "neutral";

        [CommandOption("--keep-rm-hallucinations")]
        [Description("Do not drop the sentences the reward model labels object hallucination (they are dropped by default).")]
        public bool KeepRewardModelHallucinations { get; init; }

        [CommandOption("--sources <SOURCES>")]
        [Description("The paper's presets: both | automatic | reward-model (ViGoR-All, -AT, -RM). Default: both if a reward model or judgements are given, else automatic. --stream names the streams instead.")]
        public string? Sources { get; init; }

        [CommandOption("--stream <SPEC>")]
        [Description("A reward stream by name, with settings: NAME or NAME:KEY=VALUE,KEY=VALUE. Built in: automatic (box_threshold, text_threshold, check_counts), reward-model (granularity, signal, drop_object_hallucinations), vqa (question, yes_threshold, drop_on_no; asks the --model LLaVA), and any stream a --plugin registers. Repeat for several; the run uses exactly these, instead of --sources.")]
        public string[] Streams { get; init; } = [];

        [CommandOption("--plugin <DLL>")]
        [Description("Load a plug-in assembly: each public class in it implementing ViGoR.IViGoRPlugin registers its components (e.g. a stream's factory, then --stream its-name). Repeatable. samples/ViGoR.Samples.HedgeStream is one.")]
        public string[] Plugins { get; init; } = [];

        [CommandOption("--granularity <G>")]
        [Description("fine-grained (default) | holistic reward-model judgements.")]
        public string Granularity { get; init; } = "fine-grained";

        [CommandOption("--reward-signal <S>")]
        [Description("label (default, the paper: each sentence's judged label; one judged correct is never penalised) | expected (the expected score over the labels of a first-token reward model: every uncertain sentence is a small penalty, which favours short samples).")]
        public string RewardSignal { get; init; } = "label";

        [CommandOption("--mode <MODE>")]
        [Description("offline (default) | online.")]
        public string Mode { get; init; } = "offline";

        [CommandOption("--rounds <N>")]
        [Description("Online rounds (default 2).")]
        public int Rounds { get; init; } = 2;

        [CommandOption("--weight <STREAM=W>")]
        [Description("Weight of a reward stream by name, e.g. --weight reward_model=2 (repeatable; default 1 each).")]
        public string[] Weights { get; init; } = [];

        [CommandOption("--normalization <N>")]
        [Description("std (default: unit-free) | variance (the paper's words read literally) | none.")]
        public string Normalization { get; init; } = "std";

        [CommandOption("--statistics <FILE>")]
        [Description("Precomputed stream statistics: a statistics JSON or a supervision.jsonl whose header holds them.")]
        public string? Statistics { get; init; }

        [CommandOption("--selection-order <O>")]
        [Description("select-then-refine (default, the paper: refine the least-penalised sample; the image has no target if refinement drops all of it) | refine-then-select (refine every sample, then choose by the penalty of what each keeps, among those that keep a sentence).")]
        public string Order { get; init; } = "select-then-refine";

        [CommandOption("--statistics-window <N>")]
        [Description("Normalise by a running window of the last N samples (streaming, order-dependent) instead of the whole data set.")]
        public int? StatisticsWindow { get; init; }

        [CommandOption("-k|--num-samples <K>")]
        [Description("Samples per image (default 5, the paper's k).")]
        public int NumSamples { get; init; } = 5;

        [CommandOption("--temperature <T>")]
        [Description("Sampling temperature (default 0.7).")]
        public float Temperature { get; init; } = 0.7f;

        [CommandOption("--top-p <P>")]
        [Description("Nucleus sampling threshold (default 1: off).")]
        public float TopP { get; init; } = 1f;

        [CommandOption("--top-k <K>")]
        [Description("Sample among the K most likely tokens (default 50, Hugging Face's and so LLaVA's; 0: off).")]
        public int TopK { get; init; } = 50;

        [CommandOption("--image-batch <N>")]
        [Description("Images sampled and scored per batch (N images x k rows decode together; the detector and the reward model each take the N images in one call; default 1). Greedy texts and the journal equal batch 1's; sampled texts depend only on each image's seed.")]
        public int ImageBatch { get; init; } = 1;

        [CommandOption("--reward-images-per-pass <N>")]
        [Description("Images of a batch the reward model judges in one packed pass (default 1: each image alone, scores bit for bit as at --image-batch 1). Above 1: fewer, larger forwards for GPUs; scores then differ from batch 1 in float rounding.")]
        public int RewardImagesPerPass { get; init; } = 1;

        [CommandOption("--max-new-tokens <N>")]
        [Description("Most tokens per sample (default 512).")]
        public int MaxNewTokens { get; init; } = 512;

        [CommandOption("--box-threshold <T>")]
        [Description("The detector keeps boxes scoring above this (default 0.25, the paper's, Sec. 3.2).")]
        public float BoxThreshold { get; init; } = 0.25f;

        [CommandOption("--text-threshold <T>")]
        [Description("Text positions scoring above this make up a box's label (default 0.25, the paper's).")]
        public float TextThreshold { get; init; } = 0.25f;

        [CommandOption("--check-counts")]
        [Description("Also penalise stated counts that the detections contradict.")]
        public bool CheckCounts { get; init; }

        [CommandOption("--seed <S>")]
        [Description("Seed of the sampling; each image's seed comes from it, the image id and the round, so resumed and sharded runs sample alike (default 1234). Fine-tuning keeps its own seed, 42, as vigor finetune does by default.")]
        public int Seed { get; init; } = 1234;

        [CommandOption("--work <DIR>")]
        [Description("Folder for journals, optimizer state and models (default ./vigor-run).")]
        public string Work { get; init; } = "vigor-run";

        [CommandOption("--num-chunks <N>")]
        [Description("Split the data set into N chunks (LLaVA's convention) and score one; supervision only. The selection flags (--weight, --normalization, --selection-order, --statistics, --statistics-window) are recorded in the chunk's header, and vigor merge applies them. Default: from a Slurm job array (SLURM_ARRAY_TASK_COUNT), else 1.")]
        public int? NumChunks { get; init; }

        [CommandOption("--chunk-idx <I>")]
        [Description("The chunk to score. Default: from the scheduler (SLURM_ARRAY_TASK_ID, or a Kubernetes Indexed Job's JOB_COMPLETION_INDEX with --num-chunks).")]
        public int? ChunkIndex { get; init; }

        [CommandOption("--restart")]
        [Description("Remove the journals and state this run would resume from, and start fresh.")]
        public bool Restart { get; init; }

        [CommandOption("--supervision-only")]
        [Description("Generate the supervision journal and stop before fine-tuning.")]
        public bool SupervisionOnly { get; init; }

        [CommandOption("-v|--verbose")]
        [Description("Log debug messages (each image's progress and timings) as well as warnings.")]
        public bool Verbose { get; init; }

        public override ValidationResult Validate()
        {
            var training = base.Validate();
            if (!training.Successful)
            {
                return training;
            }

            try
            {
                _ = CombinerOptions();
                _ = ParseOrder();
            }
            catch (ArgumentException e)
            {
                return ValidationResult.Error(e.Message);
            }

            if (StatisticsWindow is < 2)
            {
                return ValidationResult.Error($"--statistics-window must be at least 2, got {StatisticsWindow}.");
            }

            if (Streams.Length > 0 && Sources is not null)
            {
                return ValidationResult.Error("Give --stream or --sources, not both: --sources is a preset of streams.");
            }

            foreach (var stream in Streams)
            {
                try
                {
                    RewardStreamSpec.Parse(stream);
                }
                catch (FormatException e)
                {
                    return ValidationResult.Error($"--stream {stream}: {e.Message}");
                }
            }

            if (RewardModel is not null && Judgements is not null)
            {
                return ValidationResult.Error("Give at most one of --reward-model and --judgements.");
            }

            if (Mode.Equals("online", StringComparison.OrdinalIgnoreCase) && Rounds < 1)
            {
                return ValidationResult.Error($"--rounds must be at least 1 in online mode, got {Rounds}.");
            }

            if ((Model is null) == (Samples is null))
            {
                return ValidationResult.Error("Give exactly one of --model DIR (sample a LLaVA) or --samples FILE (replay recorded samples).");
            }

            if (Data is null && Samples is null)
            {
                return ValidationResult.Error("--data FILE is needed with --model.");
            }

            if (Detector is not null && Annotations is not null)
            {
                return ValidationResult.Error("Give at most one of --detector and --annotations.");
            }

            if (ImageBatch < 1 || RewardImagesPerPass < 1)
            {
                return ValidationResult.Error($"--image-batch and --reward-images-per-pass must be at least 1; got {ImageBatch} and {RewardImagesPerPass}.");
            }

            if (NumChunks < 1 || ChunkIndex < 0 || (ChunkIndex is not null && ChunkIndex >= (NumChunks ?? 1)))
            {
                return ValidationResult.Error($"--chunk-idx must be in [0, --num-chunks); got {ChunkIndex} of {NumChunks ?? 1}.");
            }

            return ValidationResult.Success();
        }

        public RewardCombinerOptions CombinerOptions()
        {
            var options = new RewardCombinerOptions
            {
                Normalization = Normalization.ToLowerInvariant() switch
                {
                    "std" or "standard-deviation" => RewardNormalization.StandardDeviation,
                    "variance" => RewardNormalization.Variance,
                    "none" => RewardNormalization.None,
                    var other => throw new ArgumentException($"--normalization: expected std, variance or none, got '{other}'."),
                },
            };
            foreach (var weight in Weights)
            {
                var parts = weight.Split('=', 2);
                if (parts.Length != 2 || parts[0].Length == 0 || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value) || value < 0)
                {
                    throw new ArgumentException($"--weight: expected STREAM=W with W a number >= 0 (e.g. reward_model=2), got '{weight}'.");
                }

                options.Weights[parts[0]] = value;
            }

            return options;
        }

        public SelectionOptions SelectionOptions() => new()
        {
            Order = ParseOrder(),
            Scope = StatisticsWindow is null ? StatisticsScope.DataSet : StatisticsScope.RunningWindow,
            WindowSize = StatisticsWindow ?? 500,
            Statistics = Statistics is null ? null : LoadStatistics(Statistics),
        };

        private SelectionOrder ParseOrder() => Order.ToLowerInvariant() switch
        {
            "select-then-refine" => ViGoR.SelectionOrder.SelectThenRefine,
            "refine-then-select" => ViGoR.SelectionOrder.RefineThenSelect,
            var other => throw new ArgumentException($"--selection-order: expected select-then-refine or refine-then-select, got '{other}'."),
        };

        private static RewardStatistics LoadStatistics(string path)
        {
            if (path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase))
            {
                return SupervisionJournal.ReadAll(path).Header?.Statistics
                    ?? throw new InvalidDataException($"{path}: its header holds no statistics (use a supervision.jsonl, not a scores journal).");
            }

            return RewardStatistics.Load(path);
        }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var token = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, CliHost.CancellationToken).Token;
        var host = (context.Data as CliExtensions)?.Configure + ViGoR.Cli.Pipeline.Plugins.Load(settings.Plugins);
        var streams = new RunStreams(settings, host);
        streams.Check();
        var result = await PipelineRunner.RunAsync(settings, streams.Apply, token);
        // A chunk's records are scored, not yet selected: success is having scored something.
        return result.Records.Any(r => r.Status is SupervisionStatus.Ok or SupervisionStatus.Scored) ? 0 : 1;
    }
}
