using System.Text.Json;
using System.Text.Json.Serialization;

namespace ViGoR;

/// <summary>The spread of one signal (a stream's per-sample penalties, or its bonuses) over a set of samples.</summary>
/// <param name="Count">How many samples it is computed over.</param>
/// <param name="Mean">Their mean.</param>
/// <param name="Variance">Their population variance (divided by <paramref name="Count"/>).</param>
public sealed record SignalStatistics(long Count, double Mean, double Variance)
{
    /// <summary>The population standard deviation, sqrt(<see cref="Variance"/>).</summary>
    [JsonIgnore]
    public double StandardDeviation => Math.Sqrt(Variance);

    /// <summary>Exact two-pass statistics of <paramref name="values"/>, summed in the order given (so the same values in the same order give bit-identical results).</summary>
    public static SignalStatistics Of(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            return new SignalStatistics(0, 0, 0);
        }

        double sum = 0;
        foreach (var v in values)
        {
            sum += v;
        }

        var mean = sum / values.Count;
        double squares = 0;
        foreach (var v in values)
        {
            squares += (v - mean) * (v - mean);
        }

        return new SignalStatistics(values.Count, mean, squares / values.Count);
    }
}

/// <summary>One stream's statistics: the spread of its per-sample penalties and of its per-sample bonuses.</summary>
public sealed record StreamStatistics(SignalStatistics Penalty, SignalStatistics Bonus);

/// <summary>
/// Per-stream statistics over a set of scored samples: what the combiner normalises each stream by
/// (Yan et al., Sec. 3.3). Computed over a whole data set they make selection independent of the
/// order and sharding of the work; they can be saved and passed to another run.
/// </summary>
public sealed record RewardStatistics
{
    /// <summary>Statistics by stream name. Only samples a stream is applicable to count.</summary>
    public IReadOnlyDictionary<string, StreamStatistics> Streams { get; init; } = new SortedDictionary<string, StreamStatistics>(StringComparer.Ordinal);

    /// <summary>The statistics of every stream over <paramref name="samples"/>, in the order given.</summary>
    public static RewardStatistics Compute(IEnumerable<ScoredSample> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var penalties = new SortedDictionary<string, List<double>>(StringComparer.Ordinal);
        var bonuses = new SortedDictionary<string, List<double>>(StringComparer.Ordinal);
        foreach (var sample in samples)
        {
            foreach (var (name, score) in sample.Streams)
            {
                if (!score.Applicable)
                {
                    continue;
                }

                if (!penalties.TryGetValue(name, out var p))
                {
                    penalties[name] = p = [];
                    bonuses[name] = [];
                }

                p.Add(score.Penalty);
                bonuses[name].Add(score.Bonus);
            }
        }

        var streams = new SortedDictionary<string, StreamStatistics>(StringComparer.Ordinal);
        foreach (var (name, p) in penalties)
        {
            streams[name] = new StreamStatistics(SignalStatistics.Of(p), SignalStatistics.Of(bonuses[name]));
        }

        return new RewardStatistics { Streams = streams };
    }

    /// <summary>Reads statistics saved by <see cref="Save"/> (or the <c>statistics</c> of a supervision journal's header).</summary>
    /// <exception cref="InvalidDataException">The file is not valid statistics JSON (the message names it).</exception>
    public static RewardStatistics Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        try
        {
            return JsonSerializer.Deserialize<RewardStatistics>(File.ReadAllText(path), JournalJson.Options)
                ?? throw new InvalidDataException($"{path}: expected reward statistics, found null.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid reward statistics ({e.Message}).", e);
        }
    }

    /// <summary>Writes the statistics as JSON (snake_case), to a temporary file then renamed into place.</summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(this, JournalJson.Options));
        File.Move(temp, path, overwrite: true);
    }
}

/// <summary>
/// Statistics over a running window of the most recent samples, for streaming use: each image is
/// ranked with the window that ends with its own samples. Depends on the order images come in, so
/// sharded runs differ from unsharded ones; prefer data-set statistics where the whole set is known.
/// </summary>
/// <remarks>Not thread-safe.</remarks>
public sealed class RunningRewardStatistics
{
    private readonly int _capacity;
    private readonly Queue<ScoredSample> _window;

    /// <summary>Creates an empty window of <paramref name="capacity"/> samples (at least 2).</summary>
    public RunningRewardStatistics(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 2);
        _capacity = capacity;
        _window = new Queue<ScoredSample>(capacity);
    }

    /// <summary>Adds one image's samples and returns the statistics of the window that now ends with them.</summary>
    public RewardStatistics Add(IReadOnlyList<ScoredSample> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        foreach (var sample in samples)
        {
            if (_window.Count == _capacity)
            {
                _window.Dequeue();
            }

            _window.Enqueue(sample);
        }

        return RewardStatistics.Compute(_window);
    }
}
