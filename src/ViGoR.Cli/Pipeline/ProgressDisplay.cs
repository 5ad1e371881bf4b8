using Spectre.Console;

namespace ViGoR.Cli.Pipeline;

/// <summary>Progress bars for supervision and fine-tuning; plain lines when the output is not a terminal.</summary>
internal static class ProgressDisplay
{
    public static async Task RunAsync(Func<IProgress<RejectionSamplingProgress>, IProgress<FineTuningProgress>, Task> work)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            var lastRound = -1;
            await work(
                new SyncProgress<RejectionSamplingProgress>(p =>
                {
                    if (p.Completed == p.Total || p.Round != lastRound)
                    {
                        lastRound = p.Round;
                        Console.WriteLine($"scoring round {p.Round}: {p.Completed}/{p.Total} images ({p.Failed} failed, {p.Unreadable} unreadable replies)");
                    }
                }),
                new SyncProgress<FineTuningProgress>(p => Console.WriteLine($"fine-tuning step {p.Step}/{p.TotalSteps} epoch {p.Epoch} loss {p.Loss:F4} lr {p.LearningRate:E2}")));
            return;
        }

        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                ProgressTask? supervision = null;
                ProgressTask? training = null;
                await work(
                    new SyncProgress<RejectionSamplingProgress>(p =>
                    {
                        supervision ??= context.AddTask("supervision");
                        supervision.Description = $"scoring r{p.Round} ({p.Failed} failed, {p.Unreadable} unreadable)";
                        supervision.MaxValue = Math.Max(1, p.Total);
                        supervision.Value = p.Completed;
                    }),
                    new SyncProgress<FineTuningProgress>(p =>
                    {
                        training ??= context.AddTask("fine-tuning");
                        training.Description = $"fine-tuning loss {p.Loss:F3}";
                        training.MaxValue = Math.Max(1, p.TotalSteps);
                        training.Value = p.Step;
                    }));
            });
    }
}
