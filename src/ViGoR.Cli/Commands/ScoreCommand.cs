using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using ViGoR.Torch;
using ViGoR.Cli.RewardModel;
using ViGoR.Torch.Rewards;

namespace ViGoR.Cli.Commands;

/// <summary>
/// <c>vigor score</c>: judges every sentence of recorded samples with a reward model and writes the
/// judgements in the format <c>vigor run --judgements</c> replays
/// (<c>{"image", "sentence", "score", "error"}</c>, one per line). Resumable: an image is written as one
/// block and flushed; a rerun keeps the finished images and scores the rest.
/// </summary>
internal sealed class ScoreCommand : AsyncCommand<ScoreCommand.Settings>
{
    public sealed class Settings : DeviceSettings
    {
        [CommandOption("--reward-model <DIR>")]
        [Description("A fine-grained reward model folder (vigor train-reward output).")]
        public string RewardModel { get; init; } = "";

        [CommandOption("--samples <FILE>")]
        [Description("Recorded samples (vigor generate output): {\"image\", \"prompt\", \"samples\": [[...]]} per line.")]
        public string Samples { get; init; } = "";

        [CommandOption("--images <DIR>")]
        [Description("The folder the samples' images are in.")]
        public string Images { get; init; } = "";

        [CommandOption("--out <FILE>")]
        [Description("The judgements file to write (resumed if it exists).")]
        public string Out { get; init; } = "judgements.jsonl";

        public override ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(RewardModel) || string.IsNullOrWhiteSpace(Samples) || string.IsNullOrWhiteSpace(Images)
                ? ValidationResult.Error("--reward-model, --samples and --images are required.")
                : ValidationResult.Success();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var ct = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, CliHost.CancellationToken).Token;

        // Before --out is read: one writer per judgements file.
        using var writer = WorkFolderLock.ForFile(settings.Out);
        using var judge = LlavaSentenceRewardModel.Load(settings.RewardModel, TorchFlags.ModelOptions(settings.Device, settings.DType));
        if (judge.IsHolistic)
        {
            // The judgements format is per sentence; a holistic model judges whole descriptions.
            throw new InvalidOperationException($"{judge.Model.Directory} is a holistic reward model: it judges whole descriptions, not sentences. Use it with vigor run --reward-model {judge.Model.Directory} --granularity holistic.");
        }

        var items = TrainingDataset.ReadJsonLines(settings.Samples, settings.Images, "Describe this image in detail.");
        var recorded = RecordedVisionLanguageModel.Load(settings.Samples);
        using var recording = new RecordingSentenceRewardModel(judge, settings.Out, SampleJudging.Settings(settings.Samples));
        var already = recording.Count;
        await AnsiConsole.Progress().StartAsync(async progress =>
        {
            var task = progress.AddTask("Scoring", maxValue: items.Count);
            await SampleJudging.JudgeAsync(recording, items, recorded, (done, _) => task.Value = done, ct);
        });

        AnsiConsole.MarkupLineInterpolated($"Judged {recording.Count - already} sentences ({already} already in {settings.Out}). Replay them: vigor run --samples {settings.Samples} --judgements {settings.Out} ...");
        return 0;
    }
}
