using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using ViGoR.Cli.Commands;

namespace ViGoR.Cli.Pipeline;

/// <summary>Composes the trainer from command-line settings and runs it with a progress display.</summary>
internal static class PipelineRunner
{
    public sealed record Result(IReadOnlyList<SupervisionRecord> Records, string JournalPath, string? ModelDirectory);

    public static async Task<Result> RunAsync(RunCommand.Settings settings, Action<ViGoRBuilder> configure, CancellationToken cancellationToken)
    {
        var (chunks, chunk, chunkSource) = DatasetShards.ResolveChunk(settings.NumChunks, settings.ChunkIndex);
        var sharded = chunks > 1;
        var chunkJournal = JournalShards.ChunkJournalPath(settings.Work, new DatasetChunk(chunk, chunks));

        // Before anything is read or removed: one writer per work folder, or per chunk journal, since
        // a job array's chunks share one --work folder.
        using var writer = sharded
            ? WorkFolderLock.ForFile(chunkJournal)
            : WorkFolderLock.ForFolder(settings.Work);
        using var features = TorchFlags.FeatureCache(settings.FeatureCache);
        var options = BuildOptions(settings, features);
        options.Chunk = new DatasetChunk(chunk, chunks);
        var items = ReadItems(settings);
        var shard = DatasetShards.GetChunk(items, chunks, chunk);

        var services = new ServiceCollection();
        services.AddLogging(logging => logging
            .AddSimpleConsole(o => o.SingleLine = true)
            .SetMinimumLevel(settings.Verbose ? LogLevel.Debug : LogLevel.Warning));
        var combinerOptions = settings.CombinerOptions();
        services.Configure<RewardCombinerOptions>(o =>
        {
            o.Normalization = combinerOptions.Normalization;
            o.Weights = combinerOptions.Weights;
        });
        var builder = services.AddViGoR(options.CopyTo).UseWordNetNounExtractor();
        if (settings.Samples is not null)
        {
            builder.UseVisionLanguageModel(RecordedVisionLanguageModel.Load(settings.Samples));
        }
        else
        {
            builder.UseLlava(settings.Model!, TorchFlags.ModelOptions(settings.Device, settings.DType));
        }

        if (settings.Annotations is not null)
        {
            builder.UseAnnotationGroundingDetector(settings.Annotations);
        }
        else if (settings.Detector is not null)
        {
            builder.UseGroundingDinoOnnx(settings.Detector);
        }

        if (settings.RewardModel is not null)
        {
            builder.UseLlavaRewardModel(settings.RewardModel, TorchFlags.ModelOptions(settings.Device, settings.DType), new ViGoR.Torch.Rewards.LlavaRewardModelOptions { OnUnreadable = UnreadablePolicy(settings.OnUnreadable), MaxImagesPerPass = settings.RewardImagesPerPass });
        }
        else if (settings.Judgements is not null)
        {
            builder.UseRecordedJudgements(settings.Judgements, settings.MissingJudgement.ToLowerInvariant() switch
            {
                "error" => MissingJudgementPolicy.Error,
                "neutral" => MissingJudgementPolicy.Neutral,
                var other => throw new ArgumentException($"--missing-judgement: expected error or neutral, got '{other}'."),
            });
        }

        configure(builder);
        await using var provider = services.BuildServiceProvider();
        var trainer = provider.GetRequiredService<RejectionSamplingTrainer>();
        var fineTune = !settings.SupervisionOnly && !sharded && provider.GetRequiredService<IVisionLanguageModel>().GetService<IFineTunableVisionLanguageModel>() is not null;
        var journalPath = sharded
            ? chunkJournal
            : Path.Combine(settings.Work, "round-0", RejectionSamplingTrainer.SupervisionFileName);
        if (settings.Restart)
        {
            JournalShards.Restart(settings.Work, sharded ? options.Chunk : null);
        }

        AnsiConsole.MarkupLineInterpolated($"[bold]ViGoR[/]: {shard.Count} images{(sharded ? $" (chunk {chunk} of {chunks} from {chunkSource}, {items.Count} in all)" : string.Empty)}, k = {options.Sampling.NumSamples}, rewards: {string.Join(", ", trainer.Streams.Select(x => x.Name))}, mode: {(fineTune ? $"{options.Mode}, objective {options.Objective}" : "supervision only")}");
        IReadOnlyList<SupervisionRecord> records = [];
        string? modelDirectory = null;
        await ProgressDisplay.RunAsync(async (supervision, training) =>
        {
            if (fineTune)
            {
                modelDirectory = await trainer.TrainAsync(shard, settings.Work, supervision, training, cancellationToken);
                var lastRound = options.Mode == TrainingMode.Online ? options.OnlineRounds - 1 : 0;
                journalPath = Path.Combine(settings.Work, $"round-{lastRound}", RejectionSamplingTrainer.SupervisionFileName);
                records = SupervisionJournal.Read(journalPath);
            }
            else if (sharded)
            {
                records = await trainer.ScoreChunkAsync(items, settings.Work, supervision, cancellationToken);
            }
            else
            {
                records = await trainer.GenerateSupervisionAsync(shard, Path.Combine(settings.Work, "round-0"), 0, supervision, cancellationToken);
            }
        });

        if (sharded)
        {
            var unreadable = records.Sum(RejectionSamplingTrainer.CountUnreadable);
            AnsiConsole.MarkupLineInterpolated($"Scored {records.Count} images of chunk {chunk} ({records.Count(r => r.Status == SupervisionStatus.Failed)} failed, {unreadable} unreadable reward-model replies) into [blue]{journalPath}[/]. Selection needs every chunk: run [blue]vigor merge[/] on all chunk journals.");
        }
        else
        {
            SupervisionTable.Write(records, journalPath);
        }

        if (modelDirectory is not null)
        {
            TorchFlags.ReportFeatureCache(features);
            AnsiConsole.MarkupLineInterpolated($"Fine-tuned model: [green]{modelDirectory}[/]");
        }
        else if (!settings.SupervisionOnly && !sharded)
        {
            AnsiConsole.MarkupLine("[grey]Recorded samples cannot be fine-tuned: this run generated supervision only. Use --model DIR to fine-tune.[/]");
        }

        return new Result(records, journalPath, modelDirectory);
    }

    private static UnreadableReplyPolicy UnreadablePolicy(string value) => value.ToLowerInvariant() switch
    {
        "neutral" => UnreadableReplyPolicy.Neutral,
        "error" => UnreadableReplyPolicy.Error,
        var other => throw new ArgumentException($"--on-unreadable: expected neutral or error, got '{other}'."),
    };

    private static IReadOnlyList<TrainingItem> ReadItems(RunCommand.Settings settings)
    {
        if (settings.Data is not null)
        {
            return TrainingDataset.ReadJsonLines(settings.Data, settings.Images, settings.Prompt);
        }

        // No data file: describe the images the recorded samples are for, with their recorded prompts.
        return TrainingDataset.ReadJsonLines(settings.Samples!, settings.Images, settings.Prompt ?? "Describe this image in detail.")
            .Select(item => item.Image.Path is { } path && settings.Images is not null && File.Exists(path) ? item : new TrainingItem(ImageInput.FromId(item.Id), item.Prompt))
            .ToList();
    }

    private static RejectionSamplingOptions BuildOptions(RunCommand.Settings settings, ViGoR.Torch.Training.VisionFeatureCache? features)
    {
        var sources = settings.Sources?.ToLowerInvariant() switch
        {
            null => settings.RewardModel is null && settings.Judgements is null ? RewardSources.Automatic : RewardSources.Both,
            "both" or "all" => RewardSources.Both,
            "automatic" or "at" => RewardSources.Automatic,
            "reward-model" or "rm" => RewardSources.RewardModel,
            var other => throw new ArgumentException($"--sources: expected both, automatic or reward-model, got '{other}'."),
        };
        return new RejectionSamplingOptions
        {
            Sampling = new SamplingOptions { NumSamples = settings.NumSamples, Temperature = settings.Temperature, TopP = settings.TopP, TopK = settings.TopK, MaxNewTokens = settings.MaxNewTokens },
            ImageBatchSize = settings.ImageBatch,
            DropRewardModelHallucinations = !settings.KeepRewardModelHallucinations,
            Selection = settings.SelectionOptions(),
            RewardSources = sources,
            RewardGranularity = settings.Granularity.ToLowerInvariant() switch
            {
                "fine-grained" or "fine" => RewardGranularity.FineGrained,
                "holistic" => RewardGranularity.Holistic,
                var other => throw new ArgumentException($"--granularity: expected fine-grained or holistic, got '{other}'."),
            },
            RewardSignal = settings.RewardSignal.ToLowerInvariant() switch
            {
                "label" => RewardSignal.Label,
                "expected" => RewardSignal.Expected,
                var other => throw new ArgumentException($"--reward-signal: expected label or expected, got '{other}'."),
            },
            Mode = settings.Mode.ToLowerInvariant() switch
            {
                "offline" => TrainingMode.Offline,
                "online" => TrainingMode.Online,
                var other => throw new ArgumentException($"--mode: expected offline or online, got '{other}'."),
            },
            OnlineRounds = settings.Rounds,
            Automatic = new AutomaticStreamOptions
            {
                Grounding = new GroundingOptions { BoxThreshold = settings.BoxThreshold, TextThreshold = settings.TextThreshold },
                CheckCounts = settings.CheckCounts,
            },
            FineTuning = settings.FineTuningOptions(features),
            Objective = ObjectiveFlags.Objective(settings.Objective),
            Dpo = ObjectiveFlags.Dpo(settings),
            Seed = settings.Seed,
        };
    }
}
