using System.ClientModel;
using System.ComponentModel;
using System.Globalization;
using Microsoft.Extensions.AI;
using OpenAI;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ViGoR.Cli.Commands;

/// <summary>The <c>vigor eval</c> branch: POPE, CHAIR, MME, judged ranking and MMHal-Bench.</summary>
internal static class EvalBranch
{
    public static void Configure(IConfigurator<CommandSettings> eval)
    {
        eval.SetDescription("Evaluate hallucination: POPE, CHAIR, MME, judged ranking (paper Table 1) and MMHal-Bench.");
        eval.AddCommand<EvalPopeCommand>("pope").WithDescription("Score POPE answers against POPE labels (or run a LLaVA on the questions first).");
        eval.AddCommand<EvalChairCommand>("chair").WithDescription("CHAIRi, CHAIRs and recall of captions against COCO objects.");
        eval.AddCommand<EvalMmeCommand>("mme").WithDescription("MME scores from a folder of eval_tool result files.");
        eval.AddCommand<EvalRankCommand>("rank").WithDescription("Rank several models' descriptions per image with an LLM judge on the paper's seven criteria.");
        eval.AddCommand<EvalMmhalCommand>("mmhal").WithDescription("Rate MMHal-Bench answers 0-6 with an LLM judge (LLaVA-RLHF's rubric).");
    }

    public static CancellationToken Link(CancellationToken token) =>
        CancellationTokenSource.CreateLinkedTokenSource(token, CliHost.CancellationToken).Token;

    public static async Task WriteJsonAsync(string? path, string json, CancellationToken cancellationToken)
    {
        if (path is null)
        {
            return;
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        await File.WriteAllTextAsync(path, json + "\n", cancellationToken);
        AnsiConsole.MarkupLineInterpolated($"[grey]JSON written to {path}[/]");
    }

    public static string Percent(double fraction) => (fraction * 100).ToString("0.00", CultureInfo.InvariantCulture);

    public static string Number(double value, string format = "0.00") => value.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>Runs <paramref name="work"/> under a progress bar fed by the returned reporter.</summary>
    public static async Task<T> WithProgressAsync<T>(string description, Func<Action<int, int>, Task<T>> work)
    {
        T result = default!;
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask(description, maxValue: 1);
                result = await work((done, total) =>
                {
                    task.MaxValue = Math.Max(1, total);
                    task.Value = done;
                });
                task.Value = task.MaxValue;
            });
        return result;
    }
}

/// <summary>Options shared by the verbs that call an LLM judge.</summary>
internal class JudgeSettings : CommandSettings
{
    [CommandOption("--endpoint <URL>")]
    [Description("OpenAI-compatible endpoint (e.g. https://api.openai.com/v1 or a local server).")]
    public string? Endpoint { get; init; }

    [CommandOption("--model <NAME>")]
    [Description("The judge model's name at the endpoint (e.g. gpt-4o).")]
    public string? JudgeModel { get; init; }

    [CommandOption("--api-key-env <VAR>")]
    [Description("Environment variable holding the API key. Default OPENAI_API_KEY; a local endpoint may need none.")]
    [DefaultValue("OPENAI_API_KEY")]
    public string ApiKeyEnv { get; init; } = "OPENAI_API_KEY";

    [CommandOption("--journal <FILE>")]
    [Description("JSON Lines file of finished judgements; an interrupted run resumes from it.")]
    public string? Journal { get; init; }

    [CommandOption("--max-attempts <N>")]
    [Description("Judge calls per item when replies are malformed, in all. Default 3.")]
    [DefaultValue(3)]
    public int MaxAttempts { get; init; } = 3;

    [CommandOption("--json <FILE>")]
    [Description("Write all figures as JSON.")]
    public string? Json { get; init; }

    public override ValidationResult Validate()
    {
        if (string.IsNullOrWhiteSpace(Endpoint) || string.IsNullOrWhiteSpace(JudgeModel))
        {
            return ValidationResult.Error("--endpoint URL and --model NAME are required (any OpenAI-compatible endpoint).");
        }

        if (!Uri.TryCreate(Endpoint, UriKind.Absolute, out _))
        {
            return ValidationResult.Error($"--endpoint '{Endpoint}' is not an absolute URL.");
        }

        return MaxAttempts < 1 ? ValidationResult.Error("--max-attempts must be at least 1.") : ValidationResult.Success();
    }

    /// <summary>
    /// Runs a judged job, turning endpoint failures (unreachable, 401, unknown model) into one clear
    /// error line; finished items are already in the journal, so the same command resumes.
    /// </summary>
    public async Task<int> RunJudgedAsync(Func<Task<int>> job)
    {
        try
        {
            return await job();
        }
        catch (Exception e) when (IsEndpointFailure(e))
        {
            var resume = Journal is null ? "Give --journal FILE to keep finished items across runs." : $"Finished items are kept in {Journal}; run the same command to resume.";
            var cause = e is AggregateException { InnerExceptions.Count: > 0 } a ? a.InnerExceptions[^1] : e;
            AnsiConsole.MarkupLineInterpolated($"[red]error:[/] the judge at {Endpoint} (model {JudgeModel}) failed: {cause.Message}");
            AnsiConsole.MarkupLineInterpolated($"Check --endpoint, --model and the key in ${ApiKeyEnv}. {resume}");
            return 1;
        }
    }

    // The OpenAI client reports exhausted retries as an AggregateException of the attempts' errors.
    private static bool IsEndpointFailure(Exception e) => e switch
    {
        ClientResultException or HttpRequestException => true,
        AggregateException a => a.InnerExceptions.Count > 0 && a.InnerExceptions.All(IsEndpointFailure),
        _ => false,
    };

    /// <summary>The judge as an <see cref="IChatClient"/> over the OpenAI-compatible endpoint.</summary>
    public IChatClient CreateJudge()
    {
        var key = Environment.GetEnvironmentVariable(ApiKeyEnv);
        if (string.IsNullOrEmpty(key))
        {
            // Local OpenAI-compatible servers accept any key; a hosted one will answer 401, named below.
            AnsiConsole.MarkupLineInterpolated($"[yellow]warning:[/] environment variable {ApiKeyEnv} is not set; calling {Endpoint} without an API key.");
            key = "none";
        }

        var client = new OpenAI.Chat.ChatClient(JudgeModel!, new ApiKeyCredential(key), new OpenAIClientOptions { Endpoint = new Uri(Endpoint!) });
        return client.AsIChatClient();
    }
}
