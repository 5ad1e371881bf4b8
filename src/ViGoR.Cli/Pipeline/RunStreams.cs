using Microsoft.Extensions.DependencyInjection;
using ViGoR.Cli.Commands;

namespace ViGoR.Cli.Pipeline;

/// <summary>
/// The reward streams of <c>vigor run</c>: each <c>--stream</c> made by the factory of its name
/// (<see cref="IRewardStreamFactory"/>: the built-in ones, those of <c>--plugin</c> assemblies
/// (<see cref="Plugins"/>) and any an in-process host registers through <see cref="CliExtensions"/>),
/// so that a plug-in stream needs no change here.
/// </summary>
internal sealed class RunStreams(RunCommand.Settings settings, Action<ViGoRBuilder>? host)
{
    /// <summary>
    /// Checks every <c>--stream</c>'s name and keys against the known factories before anything is
    /// loaded; an error names the flag value and lists what is known.
    /// </summary>
    /// <exception cref="ArgumentException">An unknown stream name or setting key.</exception>
    public void Check()
    {
        if (settings.Streams.Length == 0)
        {
            return;
        }

        var services = new ServiceCollection();
        var builder = services.AddViGoR();
        host?.Invoke(builder);
        using var provider = services.BuildServiceProvider();
        var factories = provider.GetServices<IRewardStreamFactory>().ToList();
        foreach (var value in settings.Streams)
        {
            var spec = RewardStreamSpec.Parse(value);

            // The library names the known streams; the tool knows how another one gets here.
            var hint = spec.Find(factories) is null && settings.Plugins.Length == 0 ? " A plug-in's stream needs --plugin FILE.dll (an assembly with an IViGoRPlugin)." : string.Empty;
            Flag(value, () => spec.Check(factories), hint);
        }
    }

    /// <summary>Adds the host's registrations, the LLaVA answerer for <c>vqa</c>, and the <c>--stream</c>s (which then replace the <c>--sources</c> preset).</summary>
    public void Apply(ViGoRBuilder builder)
    {
        if (settings.Model is not null)
        {
            // Made only if a vqa stream asks for it: the sampled model checks its own claims.
            builder.UseLlavaQuestionAnswerer();
        }

        host?.Invoke(builder);
        if (settings.Streams.Length == 0)
        {
            return;
        }

        builder.Services.Configure<RejectionSamplingOptions>(o => o.RewardSources = null);
        foreach (var value in settings.Streams)
        {
            var spec = RewardStreamSpec.Parse(value);
            builder.AddRewardStream(sp => Flag(value, () => spec.Create(sp, sp.GetServices<IRewardStreamFactory>())));
        }
    }

    private static T Flag<T>(string value, Func<T> make, string hint = "")
    {
        try
        {
            return make();
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"--stream {value}: {e.Message}{hint}", e);
        }
    }
}

/// <summary>
/// What a host adds to the <c>vigor</c> it runs in-process (<see cref="VigorApp.Create(Action{ViGoRBuilder})"/>):
/// registrations on the pipeline's builder, such as a plug-in stream's <see cref="IRewardStreamFactory"/>
/// (then <c>vigor run --stream its-name</c>) or the models it needs.
/// </summary>
internal sealed record CliExtensions(Action<ViGoRBuilder> Configure);
