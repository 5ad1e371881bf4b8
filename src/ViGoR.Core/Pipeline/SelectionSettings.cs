using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace ViGoR;

/// <summary>
/// A selection's settings (the combiner, the order, the statistics) as the <c>selection.*</c> entries
/// of a journal header, and back. A supervision journal records the selection it was made with
/// (<see cref="RejectionSamplingTrainer.SelectionHeader"/>). A job array's chunk journal records the
/// selection its run was given (<see cref="RejectionSamplingTrainer.ScoresHeader"/>), since selection
/// happens later, in the merge: <see cref="JournalShards.Merge"/> reads it back with
/// <see cref="TryRead"/>, and refuses chunks whose runs were given different selections.
/// </summary>
public static class SelectionSettings
{
    /// <summary>The prefix of the selection's entries in <see cref="JournalHeader.Settings"/>.</summary>
    public const string Prefix = "selection.";

    private const string Precomputed = "precomputed";

    /// <summary>
    /// The header entries of <paramref name="combiner"/> and <paramref name="selection"/>: the combiner's
    /// identity, the order and the statistics' scope, and a <see cref="LinearRewardCombiner"/>'s
    /// normalisation and weights.
    /// </summary>
    /// <param name="combiner">The combiner.</param>
    /// <param name="selection">The selection options.</param>
    /// <param name="fingerprintStatistics">
    /// Write precomputed statistics as <c>precomputed@sha256:…</c> of their JSON, so two headers with
    /// different precomputed statistics differ (chunk headers); otherwise <c>precomputed</c>
    /// (supervision headers, which carry the statistics themselves).
    /// </param>
    public static SortedDictionary<string, string> Of(IRewardCombiner combiner, SelectionOptions selection, bool fingerprintStatistics = false)
    {
        ArgumentNullException.ThrowIfNull(combiner);
        ArgumentNullException.ThrowIfNull(selection);
        var settings = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            [Prefix + "combiner"] = ComponentIdentity.Of(combiner),
            [Prefix + "order"] = selection.Order == SelectionOrder.RefineThenSelect ? "refine_then_select" : "select_then_refine",
            [Prefix + "statistics"] = selection.Statistics is { } statistics
                ? fingerprintStatistics ? $"{Precomputed}@{Fingerprint(statistics)}" : Precomputed
                : selection.Scope == StatisticsScope.RunningWindow ? $"running_window:{selection.WindowSize.ToString(CultureInfo.InvariantCulture)}" : "data_set",
        };
        if (combiner is LinearRewardCombiner linear)
        {
            var o = linear.Options;
            settings[Prefix + "normalization"] = o.Normalization switch
            {
                RewardNormalization.StandardDeviation => "standard_deviation",
                RewardNormalization.Variance => "variance",
                _ => "none",
            };
            settings[Prefix + "weights"] = string.Join(",", o.Weights.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={R(p.Value)}").Append($"default={R(o.DefaultWeight)}"));
        }

        return settings;
    }

    /// <summary>
    /// The selection recorded in <paramref name="header"/> (<see cref="Of"/>), with a
    /// <see cref="LinearRewardCombiner"/>; precomputed statistics come from <see cref="JournalHeader.Statistics"/>.
    /// </summary>
    /// <returns>False when the header records no selection (a whole run's scores journal, or a chunk journal written before chunks recorded theirs).</returns>
    /// <exception cref="InvalidDataException">The header records a selection this method cannot rebuild: another combiner than <see cref="LinearRewardCombiner"/>, an unknown value, or precomputed statistics it does not carry or that do not match their fingerprint.</exception>
    public static bool TryRead(JournalHeader header, [NotNullWhen(true)] out IRewardCombiner? combiner, [NotNullWhen(true)] out SelectionOptions? selection)
    {
        ArgumentNullException.ThrowIfNull(header);
        (combiner, selection) = (null, null);
        var s = header.Settings;
        if (!s.TryGetValue(Prefix + "order", out var order))
        {
            return false;
        }

        string Get(string key) => s.TryGetValue(Prefix + key, out var value)
            ? value
            : throw new InvalidDataException($"The header records a selection without '{Prefix}{key}'.");

        var linearIdentity = ComponentIdentity.Of(new LinearRewardCombiner());
        if (Get("combiner") != linearIdentity)
        {
            throw new InvalidDataException($"The header records selection with the combiner '{Get("combiner")}', not {linearIdentity}: pass that combiner explicitly.");
        }

        var options = new RewardCombinerOptions
        {
            Normalization = Get("normalization") switch
            {
                "standard_deviation" => RewardNormalization.StandardDeviation,
                "variance" => RewardNormalization.Variance,
                "none" => RewardNormalization.None,
                var other => throw Unknown("normalization", other),
            },
        };
        foreach (var entry in Get("weights").Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = entry.Split('=', 2);
            if (parts.Length != 2 || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var weight))
            {
                throw Unknown("weights", entry);
            }

            if (parts[0] == "default")
            {
                options.DefaultWeight = weight;
            }
            else
            {
                options.Weights[parts[0]] = weight;
            }
        }

        var read = new SelectionOptions
        {
            Order = order switch
            {
                "select_then_refine" => SelectionOrder.SelectThenRefine,
                "refine_then_select" => SelectionOrder.RefineThenSelect,
                _ => throw Unknown("order", order),
            },
        };
        var statistics = Get("statistics");
        if (statistics == "data_set")
        {
            read.Scope = StatisticsScope.DataSet;
        }
        else if (statistics.StartsWith("running_window:", StringComparison.Ordinal) && int.TryParse(statistics["running_window:".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var window))
        {
            read.Scope = StatisticsScope.RunningWindow;
            read.WindowSize = window;
        }
        else if (statistics.StartsWith(Precomputed, StringComparison.Ordinal))
        {
            read.Statistics = header.Statistics ?? throw new InvalidDataException($"The header records precomputed statistics ({Prefix}statistics) but carries none.");
            if (statistics.Length > Precomputed.Length && statistics != $"{Precomputed}@{Fingerprint(read.Statistics)}")
            {
                throw new InvalidDataException($"The statistics the header carries do not match their fingerprint in {Prefix}statistics ({statistics}): the header was edited.");
            }
        }
        else
        {
            throw Unknown("statistics", statistics);
        }

        (combiner, selection) = (new LinearRewardCombiner(options), read);
        return true;
    }

    /// <summary>The settings without the selection's entries.</summary>
    internal static SortedDictionary<string, string> Without(IReadOnlyDictionary<string, string> settings) =>
        new(settings.Where(p => !p.Key.StartsWith(Prefix, StringComparison.Ordinal)).ToDictionary(), StringComparer.Ordinal);

    private static string R(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Fingerprint(RewardStatistics statistics) =>
        "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(statistics, JournalJson.Options))));

    private static InvalidDataException Unknown(string key, string value) =>
        new($"The header's {Prefix}{key} is '{value}', which this version cannot read.");
}
