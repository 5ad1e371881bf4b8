using Spectre.Console;
using Spectre.Console.Cli;

namespace ViGoR.Cli;

/// <summary>Runs the command app with Ctrl+C wired to cancellation and errors printed, not thrown.</summary>
internal static class CliHost
{
    private static readonly CancellationTokenSource Cancellation = new();

    /// <summary>Cancelled on Ctrl+C / SIGTERM; commands pass it to every async call.</summary>
    public static CancellationToken CancellationToken => Cancellation.Token;

    public static async Task<int> RunAsync(CommandApp app, string[] args)
    {
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            Cancellation.Cancel();
        };
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGTERM,
            ctx =>
            {
                ctx.Cancel = true;
                Cancellation.Cancel();
            });
        try
        {
            return await app.RunAsync(args);
        }
        catch (OperationCanceledException)
        {
            AnsiConsole.MarkupLine("[yellow]Cancelled.[/] Work done so far is kept; run the same command again to resume.");
            return 130;
        }
        catch (CommandParseException e)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
            return 2;
        }
        catch (CommandRuntimeException e)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
            return 2;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or FormatException or ArgumentException or InvalidOperationException or ImageDecodeException or UnauthorizedAccessException)
        {
            // The library says what to do in its own terms; the tool adds its flags for it.
            var hint = e is JournalSettingsException ? " (vigor: --restart, or another --work)" : string.Empty;
            AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {e.Message}{hint}");
            return 1;
        }
    }
}
