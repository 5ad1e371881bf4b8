using System.ComponentModel;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ViGoR.Cli.Commands;

/// <summary>The flags of selection (the combiner and its statistics), shared by <c>vigor run</c> and <c>vigor merge</c>.</summary>
internal abstract class SelectionSettings : CommandSettings
{
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

    public override ValidationResult Validate()
    {
        try
        {
            _ = CombinerOptions();
            _ = SelectionOrder();
        }
        catch (ArgumentException e)
        {
            return ValidationResult.Error(e.Message);
        }

        return StatisticsWindow is < 2 ? ValidationResult.Error($"--statistics-window must be at least 2, got {StatisticsWindow}.") : ValidationResult.Success();
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
        Order = SelectionOrder(),
        Scope = StatisticsWindow is null ? StatisticsScope.DataSet : StatisticsScope.RunningWindow,
        WindowSize = StatisticsWindow ?? 500,
        Statistics = Statistics is null ? null : LoadStatistics(Statistics),
    };

    private SelectionOrder SelectionOrder() => Order.ToLowerInvariant() switch
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
