namespace ViGoR;

/// <summary>
/// What every ViGoR component (detector, reward model, LVLM, noun extractor, reward stream) offers
/// besides its one job: a way to ask it for services it or a component it wraps provides, as
/// Microsoft.Extensions.AI's <c>IChatClient.GetService</c> does. Capabilities (batching, holistic
/// judging, fine-tuning, a closed vocabulary) and metadata (<see cref="IComponentIdentity"/>) are
/// found this way, never with a type test, so a decorator (<see cref="DelegatingGroundingDetector"/>
/// and its siblings) keeps them.
/// </summary>
public interface IPipelineComponent
{
    /// <summary>
    /// Asks for an object of type <paramref name="serviceType"/>: this component when it is one, else
    /// what a wrapped component answers, else null. Never throws for an unknown type.
    /// </summary>
    /// <param name="serviceType">The type asked for, e.g. <c>typeof(IBatchGroundingDetector)</c>.</param>
    /// <param name="serviceKey">A key for keyed services; null for the unkeyed one. The default answers only unkeyed requests.</param>
    /// <remarks>The default returns this component when it is of the requested type and the key is null. Safe for concurrent callers.</remarks>
    object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;
    }
}

/// <summary>Typed shortcuts for <see cref="IPipelineComponent.GetService"/>.</summary>
public static class PipelineComponentExtensions
{
    /// <summary>The component's (or a wrapped component's) <typeparamref name="TService"/>, or null.</summary>
    public static TService? GetService<TService>(this IPipelineComponent component, object? serviceKey = null)
        where TService : class
    {
        ArgumentNullException.ThrowIfNull(component);
        return component.GetService(typeof(TService), serviceKey) as TService;
    }
}

/// <summary>The one forwarding rule of the <c>Delegating*</c> base classes.</summary>
internal static class Delegation
{
    /// <summary>
    /// Answers <see cref="IPipelineComponent.GetService"/> for a wrapper: a capability the wrapper
    /// implements only by forwarding (listed in <paramref name="forwardedCapabilities"/>) is the wrapper
    /// itself when the inner component has it and null otherwise, so the caller's calls still pass
    /// through the wrapper; anything else the wrapper is, is the wrapper; the identity is the inner
    /// component's unless the wrapper has its own (a wrapper that changes results must); the rest is
    /// the inner component's answer.
    /// </summary>
    public static object? GetService(IPipelineComponent wrapper, IPipelineComponent inner, Type serviceType, object? serviceKey, params ReadOnlySpan<Type> forwardedCapabilities)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is null)
        {
            foreach (var capability in forwardedCapabilities)
            {
                if (serviceType == capability)
                {
                    return inner.GetService(capability) is null ? null : wrapper;
                }
            }

            if (serviceType.IsInstanceOfType(wrapper))
            {
                return wrapper;
            }

            if (serviceType == typeof(IComponentIdentity))
            {
                // A transparent wrapper must not change the journal identity, even of an inner component without one of its own.
                return new FixedIdentity(ComponentIdentity.Of(inner));
            }
        }

        return inner.GetService(serviceType, serviceKey);
    }

    /// <summary>What a wrapper's batch call does when the inner component cannot batch: <paramref name="one"/> per item, in order.</summary>
    public static async Task<IReadOnlyList<TResult>> OneByOneAsync<TItem, TResult>(IReadOnlyList<TItem> items, Func<TItem, Task<TResult>> one)
    {
        ArgumentNullException.ThrowIfNull(items);
        var results = new List<TResult>(items.Count);
        foreach (var item in items)
        {
            results.Add(await one(item).ConfigureAwait(false));
        }

        return results;
    }

    private sealed record FixedIdentity(string Identity) : IComponentIdentity;
}
