using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using ViGoR.Cli.Commands;

namespace ViGoR.Cli.Pipeline;

/// <summary>Composes the trainer from command-line settings and runs it with a progress display.</summary>
internal static class PipelineRunner
{
    public sealed record Result(IReadOnlyList<SupervisionRecord> Records, string JournalPath, string? ModelDirectory);

    public static async Task<Result> RunAsync(RunCommand.Settings settings, CancellationToken cancellationToken)
    {
        var options = BuildOptions(settings);
        var items = ReadItems(settings);
        var shard = DatasetShards.GetChunk(items, settings.NumChunks, settings.ChunkIndex);
        var sharded = settings.NumChunks > 1;

        var services = new ServiceCollection();
        services.AddLogging(logging => logging
            .AddSimpleConsole(o => o.SingleLine = true)
            .SetMinimumLevel(settings.Verbose ? LogLevel.Debug : LogLevel.Warning));
        var builder = services.AddViGoR(o => Copy(options, o)).UseWordNetNounExtractor();
        if (settings.Samples is not null)
        {
            builder.UseVisionLanguageModel(RecordedVisionLanguageModel.Load(settings.Samples));
        }
        else
        {
            builder.UseLlava(settings.Model!);
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
            builder.UseLlavaRewardModel(settings.RewardModel);
        }

        await using var provider = services.BuildServiceProvider();
        var trainer = provider.GetRequiredService<RejectionSamplingTrainer>();
        var fineTune = !settings.SupervisionOnly && !sharded && provider.GetRequiredService<IVisionLanguageModel>() is IFineTunableVisionLanguageModel;
        var journalPath = sharded
            ? Path.Combine(settings.Work, $"supervision.chunk-{settings.ChunkIndex}-of-{settings.NumChunks}.jsonl")
            : Path.Combine(settings.Work, "round-0", "supervision.jsonl");

        AnsiConsole.MarkupLineInterpolated($"[bold]ViGoR[/]: {shard.Count} images{(sharded ? $" (chunk {settings.ChunkIndex} of {settings.NumChunks}, {items.Count} in all)" : string.Empty)}, k = {options.Sampling.NumSamples}, rewards: {options.RewardSources}, mode: {(fineTune ? options.Mode.ToString() : "supervision only")}");
        IReadOnlyList<SupervisionRecord> records = [];
        string? modelDirectory = null;
        await ProgressDisplay.RunAsync(async (supervision, training) =>
        {
            if (fineTune)
            {
                modelDirectory = await trainer.TrainAsync(shard, settings.Work, supervision, training, cancellationToken);
                var lastRound = options.Mode == TrainingMode.Online ? options.OnlineRounds - 1 : 0;
                journalPath = Path.Combine(settings.Work, $"round-{lastRound}", "supervision.jsonl");
                records = SupervisionJournal.Read(journalPath);
            }
            else
            {
                records = await trainer.GenerateSupervisionAsync(shard, journalPath, 0, supervision, cancellationToken);
            }
        });

        SupervisionTable.Write(records, journalPath);
        if (modelDirectory is not null)
        {
            AnsiConsole.MarkupLineInterpolated($"Fine-tuned model: [green]{modelDirectory}[/]");
        }
        else if (!settings.SupervisionOnly && !sharded)
        {
            AnsiConsole.MarkupLine("[grey]Recorded samples cannot be fine-tuned: this run generated supervision only. Use --model DIR to fine-tune.[/]");
        }

        return new Result(records, journalPath, modelDirectory);
    }

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

    private static RejectionSamplingOptions BuildOptions(RunCommand.Settings settings)
    {
        var sources = settings.Sources?.ToLowerInvariant() switch
        {
            null => settings.RewardModel is null ? RewardSources.Automatic : RewardSources.Both,
            "both" or "all" => RewardSources.Both,
            "automatic" or "at" => RewardSources.Automatic,
            "reward-model" or "rm" => RewardSources.RewardModel,
            var other => throw new ArgumentException($"--sources: expected both, automatic or reward-model, got '{other}'."),
        };
        return new RejectionSamplingOptions
        {
            Sampling = new SamplingOptions { NumSamples = settings.NumSamples, Temperature = settings.Temperature, MaxNewTokens = settings.MaxNewTokens },
            RewardSources = sources,
            RewardGranularity = settings.Granularity.ToLowerInvariant() switch
            {
                "fine-grained" or "fine" => RewardGranularity.FineGrained,
                "holistic" => RewardGranularity.Holistic,
                var other => throw new ArgumentException($"--granularity: expected fine-grained or holistic, got '{other}'."),
            },
            Mode = settings.Mode.ToLowerInvariant() switch
            {
                "offline" => TrainingMode.Offline,
                "online" => TrainingMode.Online,
                var other => throw new ArgumentException($"--mode: expected offline or online, got '{other}'."),
            },
            OnlineRounds = settings.Rounds,
            Automatic = new AutomaticScoringOptions
            {
                Grounding = new GroundingOptions { BoxThreshold = settings.BoxThreshold, TextThreshold = settings.TextThreshold },
                CheckCounts = settings.CheckCounts,
            },
            FineTuning = new FineTuningOptions
            {
                Epochs = settings.Epochs,
                LearningRate = settings.LearningRate,
                BatchSize = settings.BatchSize,
                MicroBatchSize = settings.MicroBatchSize,
            },
            Seed = settings.Seed,
        };
    }

    private static void Copy(RejectionSamplingOptions from, RejectionSamplingOptions to)
    {
        to.Sampling = from.Sampling;
        to.RewardSources = from.RewardSources;
        to.RewardGranularity = from.RewardGranularity;
        to.Mode = from.Mode;
        to.OnlineRounds = from.OnlineRounds;
        to.Automatic = from.Automatic;
        to.FineTuning = from.FineTuning;
        to.Seed = from.Seed;
    }
}
