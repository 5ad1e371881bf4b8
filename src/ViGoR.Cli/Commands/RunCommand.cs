using System.ComponentModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using Spectre.Console.Cli;
using ViGoR.Cli.Pipeline;

namespace ViGoR.Cli.Commands;

/// <summary><c>vigor run</c>: the ViGoR method on a data set (supervision, then fine-tuning).</summary>
internal sealed class RunCommand : AsyncCommand<RunCommand.Settings>
{
    public sealed class Settings : SelectionSettings, IObjectiveFlags, IFineTuningFlags
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
        [Description("A reward stream by name, with settings: NAME or NAME:KEY=VALUE,KEY=VALUE. Built in: automatic (box_threshold, text_threshold, check_counts), reward-model (granularity, signal, drop_object_hallucinations), vqa (question, yes_threshold, drop_on_no; asks the --model LLaVA), and any stream a host registers. Repeat for several; the run uses exactly these, instead of --sources.")]
        public string[] Streams { get; init; } = [];

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

        [CommandOption("--objective <O>")]
        [Description("What the model learns from the supervision: sft (default, the paper: the refined targets) | dpo (preference pairs from the journal, reference log-probs kept in round-N/pairs.jsonl) | sft+dpo (DPO plus --sft-weight times the SFT loss on the chosen answer).")]
        public string Objective { get; init; } = "sft";

        [CommandOption("--pairs <P>")]
        [Description("How preference pairs are built: best-vs-worst (default: the refined target over the most penalised sample) | sentence-level (the refined target over the chosen sample with its dropped sentences kept, weighted by their penalty).")]
        public string Pairs { get; init; } = "best-vs-worst";

        [CommandOption("--dpo-beta <B>")]
        [Description("DPO's beta, > 0 (default 0.1, TRL's): smaller lets the model move further from the reference.")]
        public double DpoBeta { get; init; } = 0.1;

        [CommandOption("--dpo-loss <L>")]
        [Description("sigmoid (default, DPO) | ipo.")]
        public string DpoLoss { get; init; } = "sigmoid";

        [CommandOption("--sft-weight <W>")]
        [Description("With --objective sft+dpo: the weight of the SFT loss on the chosen answer (default 1).")]
        public double SftWeight { get; init; } = 1;

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
        [Description("Split the data set into N chunks (LLaVA's convention) and score one; supervision only. Default: from a Slurm job array (SLURM_ARRAY_TASK_COUNT), else 1.")]
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

        [CommandOption("--epochs <N>")]
        [Description("Fine-tuning passes over the refined targets (default 2, the paper's).")]
        public int Epochs { get; init; } = 2;

        [CommandOption("--lr <LR>")]
        [Description("Fine-tuning peak learning rate (default 2e-5, the paper's).")]
        public double LearningRate { get; init; } = 2e-5;

        [CommandOption("--batch-size <N>")]
        [Description("Fine-tuning examples per optimizer step (default 32, the paper's).")]
        public int BatchSize { get; init; } = 32;

        [CommandOption("--micro-batch-size <N>")]
        [Description("Fine-tuning examples per forward pass (default 1); gradients accumulate up to --batch-size.")]
        public int MicroBatchSize { get; init; } = 1;

        [CommandOption("--save-every <N>")]
        [Description("Checkpoint the fine-tuning every N optimizer steps (default 50; always at the end and on Ctrl+C), so a rerun resumes mid-fine-tune.")]
        public int SaveEvery { get; init; } = 50;

        [CommandOption("--device <DEVICE>")]
        [Description(TorchFlags.DeviceDescription)]
        public string? Device { get; init; }

        [CommandOption("--dtype <DTYPE>")]
        [Description(TorchFlags.DTypeDescription)]
        public string DType { get; init; } = "float32";

        [CommandOption("--lora")]
        [Description(TorchFlags.LoraDescription)]
        public bool Lora { get; init; }

        [CommandOption("--lora-rank <R>")]
        [Description("LoRA rank (default 128 with --lora; 0 = full fine-tuning).")]
        public int? LoraRank { get; init; }

        [CommandOption("--gradient-checkpointing")]
        [Description(TorchFlags.GradientCheckpointingDescription)]
        public bool GradientCheckpointing { get; init; }

        [CommandOption("-v|--verbose")]
        [Description("Log debug messages (each image's progress and timings) as well as warnings.")]
        public bool Verbose { get; init; }

        public override ValidationResult Validate()
        {
            var selection = base.Validate();
            if (!selection.Successful)
            {
                return selection;
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

            if (ObjectiveFlags.Validate(this) is { } objective)
            {
                return ValidationResult.Error(objective);
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
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var token = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, CliHost.CancellationToken).Token;
        var streams = new RunStreams(settings, (context.Data as CliExtensions)?.Configure);
        streams.Check();
        var result = await PipelineRunner.RunAsync(settings, streams.Apply, token);
        // A chunk's records are scored, not yet selected: success is having scored something.
        return result.Records.Any(r => r.Status is SupervisionStatus.Ok or SupervisionStatus.Scored) ? 0 : 1;
    }
}
