using Spectre.Console;
using ViGoR.Cli.Pipeline;

namespace ViGoR.Cli.Demo.Run;

/// <summary>A progress bar per demo phase; plain lines (a phase's start and end) when the output is not a terminal.</summary>
internal static class DemoProgressDisplay
{
    public static async Task<T> RunAsync<T>(Func<IProgress<DemoProgress>, Task<T>> work)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            string? current = null;
            var started = DateTime.UtcNow;
            return await work(new SyncProgress<DemoProgress>(p =>
            {
                if (p.Phase != current)
                {
                    current = p.Phase;
                    started = DateTime.UtcNow;
                    Console.WriteLine($"{p.Phase} ...");
                }

                if (p.Done >= p.Total)
                {
                    Console.WriteLine($"{p.Phase}: {p.Done}/{p.Total} done in {(DateTime.UtcNow - started).TotalSeconds:F1} s");
                }
            }));
        }

        T result = default!;
        await AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var tasks = new Dictionary<string, ProgressTask>(StringComparer.Ordinal);
                result = await work(new SyncProgress<DemoProgress>(p =>
                {
                    if (!tasks.TryGetValue(p.Phase, out var task))
                    {
                        tasks[p.Phase] = task = context.AddTask(Markup.Escape(p.Phase));
                    }

                    task.MaxValue = Math.Max(1, p.Total);
                    task.Value = p.Done;
                }));
            });
        return result;
    }
}
