using System.Globalization;

namespace ViGoR;

/// <summary>
/// Makes one kind of reward stream from text settings, so that a stream can be chosen by name where
/// only text is at hand (a command line's <c>--stream automatic:box_threshold=0.3</c>, a configuration
/// file). Register it with <c>builder.AddRewardStreamFactory(...)</c>; <c>AddViGoR()</c> registers
/// the built-in <c>automatic</c>, <c>reward_model</c> and <c>vqa</c>. A plug-in stream that registers
/// a factory needs no change in whatever resolves streams by name.
/// </summary>
public interface IRewardStreamFactory
{
    /// <summary>The name streams are asked for by, usually the stream's <see cref="IRewardStream.Name"/> (<c>-</c> and <c>_</c> match each other).</summary>
    string Name { get; }

    /// <summary>The setting keys <see cref="Create"/> understands, each with what it means; any other key is refused before <see cref="Create"/> is called.</summary>
    IReadOnlyDictionary<string, string> Keys { get; }

    /// <summary>
    /// Makes the stream. Settings not given keep the stream's defaults (for the built-in streams, the
    /// named options <c>AddAutomaticStream</c>, <c>AddRewardModelStream</c> ... configure).
    /// </summary>
    /// <param name="services">The provider the trainer is resolved from (models come from it).</param>
    /// <param name="settings">Key/value settings, every key one of <see cref="Keys"/>.</param>
    /// <exception cref="ArgumentException">A value is invalid (the message names the key and the value).</exception>
    IRewardStream Create(IServiceProvider services, IReadOnlyDictionary<string, string> settings);
}

/// <summary>An <see cref="IRewardStreamFactory"/> from a delegate.</summary>
/// <param name="name">The name streams are asked for by.</param>
/// <param name="keys">The setting keys understood, each with what it means.</param>
/// <param name="create">Makes the stream from the provider and the (checked) settings.</param>
public sealed class RewardStreamFactory(string name, IReadOnlyDictionary<string, string> keys, Func<IServiceProvider, IReadOnlyDictionary<string, string>, IRewardStream> create) : IRewardStreamFactory
{
    private readonly Func<IServiceProvider, IReadOnlyDictionary<string, string>, IRewardStream> _create = create ?? throw new ArgumentNullException(nameof(create));

    /// <inheritdoc />
    public string Name { get; } = string.IsNullOrWhiteSpace(name) ? throw new ArgumentException("A factory needs a name.", nameof(name)) : name;

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> Keys { get; } = keys ?? throw new ArgumentNullException(nameof(keys));

    /// <inheritdoc />
    public IRewardStream Create(IServiceProvider services, IReadOnlyDictionary<string, string> settings) => _create(services, settings);
}

/// <summary>
/// A reward stream asked for by name with text settings: <c>name</c> or <c>name:key=value,key=value</c>
/// (the form of <c>vigor run --stream</c>).
/// </summary>
/// <param name="Name">The factory's name.</param>
/// <param name="Settings">The settings, by key.</param>
public sealed record RewardStreamSpec(string Name, IReadOnlyDictionary<string, string> Settings)
{
    /// <summary>Reads <c>name</c> or <c>name:key=value,key=value</c> (white space around names, keys and values is ignored).</summary>
    /// <exception cref="FormatException">The text is empty, has no name, a setting without <c>=</c> or a key given twice.</exception>
    public static RewardStreamSpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var name = (colon < 0 ? text : text[..colon]).Trim();
        if (name.Length == 0)
        {
            throw new FormatException($"'{text}' names no stream: expected name or name:key=value,key=value.");
        }

        var settings = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (colon >= 0)
        {
            foreach (var pair in text[(colon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                var key = equals < 0 ? string.Empty : pair[..equals].Trim();
                if (key.Length == 0)
                {
                    throw new FormatException($"'{pair}' in '{text}' is not key=value.");
                }

                if (!settings.TryAdd(key, pair[(equals + 1)..].Trim()))
                {
                    throw new FormatException($"'{key}' is given twice in '{text}'.");
                }
            }
        }

        return new RewardStreamSpec(name, settings);
    }

    /// <summary>The factory of this spec's name among <paramref name="factories"/> (<c>-</c> and <c>_</c> match each other), or null.</summary>
    public IRewardStreamFactory? Find(IEnumerable<IRewardStreamFactory> factories)
    {
        ArgumentNullException.ThrowIfNull(factories);
        return factories.FirstOrDefault(f => Normalise(f.Name) == Normalise(Name));
    }

    /// <summary>
    /// The factory of this spec's name among <paramref name="factories"/> (<c>-</c> and <c>_</c> match
    /// each other), once it is checked to know every key of <see cref="Settings"/>.
    /// </summary>
    /// <exception cref="ArgumentException">No factory has the name, or a key is unknown to it; the message names the spec and lists what is known.</exception>
    public IRewardStreamFactory Check(IEnumerable<IRewardStreamFactory> factories)
    {
        ArgumentNullException.ThrowIfNull(factories);
        var known = factories.ToList();
        var factory = Find(known)
            ?? throw new ArgumentException($"Unknown reward stream '{Name}' in '{this}'; known streams: {string.Join(", ", known.Select(f => f.Name).Distinct().Order(StringComparer.Ordinal))}.");
        var unknown = Settings.Keys.Where(k => !factory.Keys.ContainsKey(k)).ToList();
        if (unknown.Count > 0)
        {
            var keys = factory.Keys.Count == 0 ? "it takes no settings" : "known keys: " + string.Join(", ", factory.Keys.Select(k => $"{k.Key} ({k.Value})"));
            throw new ArgumentException($"Unknown setting{(unknown.Count > 1 ? "s" : string.Empty)} {string.Join(", ", unknown.Select(k => $"'{k}'"))} for reward stream '{factory.Name}' in '{this}'; {keys}.");
        }

        return factory;
    }

    /// <summary>The stream this spec asks for, made by the factory <see cref="Check"/> finds.</summary>
    /// <exception cref="ArgumentException">No factory has the name, a key is unknown to it or a value is invalid; the message names the spec and lists what is known.</exception>
    public IRewardStream Create(IServiceProvider services, IEnumerable<IRewardStreamFactory> factories)
    {
        ArgumentNullException.ThrowIfNull(services);
        var factory = Check(factories);
        try
        {
            return factory.Create(services, Settings);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            throw new ArgumentException($"Reward stream '{this}': {e.Message}", e);
        }
    }

    /// <summary>The spec as <see cref="Parse"/> reads it.</summary>
    public override string ToString() =>
        Settings.Count == 0 ? Name : $"{Name}:{string.Join(",", Settings.Select(p => $"{p.Key}={p.Value}"))}";

    private static string Normalise(string name) => name.Trim().Replace('-', '_').ToLowerInvariant();
}

/// <summary>Reads the text settings a <see cref="IRewardStreamFactory"/> is given, with errors that name the key and the value.</summary>
public static class RewardStreamSettings
{
    /// <summary>The number at <paramref name="key"/> (invariant culture), or <paramref name="fallback"/> when absent.</summary>
    /// <exception cref="ArgumentException">The value is not a number.</exception>
    public static double Number(IReadOnlyDictionary<string, string> settings, string key, double fallback)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!settings.TryGetValue(key, out var text))
        {
            return fallback;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
            ? value
            : throw new ArgumentException($"{key}={text}: expected a number.");
    }

    /// <summary>The flag at <paramref name="key"/> (<c>true</c> or <c>false</c>), or <paramref name="fallback"/> when absent.</summary>
    /// <exception cref="ArgumentException">The value is neither.</exception>
    public static bool Flag(IReadOnlyDictionary<string, string> settings, string key, bool fallback)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!settings.TryGetValue(key, out var text))
        {
            return fallback;
        }

        return bool.TryParse(text, out var value) ? value : throw new ArgumentException($"{key}={text}: expected true or false.");
    }

    /// <summary>The value at <paramref name="key"/>, one of <paramref name="choices"/> (case-insensitive, <c>-</c> and <c>_</c> alike), or <paramref name="fallback"/> when absent.</summary>
    /// <exception cref="ArgumentException">The value is none of them.</exception>
    public static T Choice<T>(IReadOnlyDictionary<string, string> settings, string key, IReadOnlyDictionary<string, T> choices, T fallback)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(choices);
        if (!settings.TryGetValue(key, out var text))
        {
            return fallback;
        }

        var match = choices.FirstOrDefault(c => string.Equals(c.Key.Replace('-', '_'), text.Replace('-', '_'), StringComparison.OrdinalIgnoreCase));
        return match.Key is not null ? match.Value : throw new ArgumentException($"{key}={text}: expected one of {string.Join(", ", choices.Keys)}.");
    }
}
