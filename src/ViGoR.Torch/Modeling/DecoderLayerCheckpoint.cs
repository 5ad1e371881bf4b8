using TorchSharp;
using static TorchSharp.torch;

namespace ViGoR.Torch.Modeling;

/// <summary>
/// Gradient checkpointing of one decoder layer, as PyTorch's reentrant <c>torch.utils.checkpoint</c>
/// (Hugging Face's <c>gradient_checkpointing_enable()</c>): forward runs the layer with autograd off and
/// keeps only its input; backward recomputes the layer with autograd on from that input and
/// back-propagates through the recomputation, which accumulates the layer's parameter gradients
/// exactly where an ordinary backward would, and returns the input's gradient.
/// </summary>
/// <remarks>
/// The recomputation must be the same function as the original: the state of the generator the
/// layer draws from (LoRA dropout) is saved before the layer and restored before recomputing, then
/// put back, as <c>preserve_rng_state=True</c> does. TorchSharp runs <see cref="backward"/> from the
/// autograd engine (on CUDA, on the engine's device thread), so every tensor it makes is freed here
/// rather than left to a dispose scope that thread may not have.
/// </remarks>
internal sealed class DecoderLayerCheckpoint : autograd.MultiTensorFunction<DecoderLayerCheckpoint>
{
    private const string CallKey = "call";

    /// <inheritdoc />
    public override string Name => "CheckpointedLlamaDecoderLayer";

    /// <summary>The layer's output for <paramref name="x"/>, its activations recomputed in backward.</summary>
    public static Tensor Run(LlamaDecoderLayer layer, int index, Tensor x, Tensor cos, Tensor sin, Tensor? mask, bool causal, Generator? generator, ReturnedGradient returned)
        => apply(x, cos, sin, mask, new Call(layer, index, causal, generator, returned))[0];

    /// <inheritdoc />
    public override List<Tensor> forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var (x, cos, sin, mask, call) = ((Tensor)vars[0], (Tensor)vars[1], (Tensor)vars[2], vars[3] as Tensor, (Call)vars[4]);
        using var scope = NewDisposeScope();

        // The saved tensors are taken when apply() returns, so they must outlive this scope.
        var rng = call.Generator?.get_state().MoveToOuterDisposeScope();
        ctx.save_for_backward([x, cos, sin, mask, rng]);
        ctx.save_data(CallKey, call);

        // apply() already runs this with autograd off: the layer's intermediate tensors are not kept.
        return [call.Layer.Forward(x, cos, sin, mask, call.Causal, null, call.Index).MoveToOuterDisposeScope()];
    }

    /// <inheritdoc />
    public override List<Tensor> backward(autograd.AutogradContext ctx, List<Tensor> grad_outputs)
    {
        var call = (Call)ctx.get_data(CallKey);
        Tensor inputGradient;
        using (var scope = NewDisposeScope())
        {
            var saved = ctx.get_saved_variables();
            var (cos, sin, mask, rng) = (saved[1], saved[2], saved[3], saved[4]);

            // A fresh leaf: the recomputed graph ends here, so backward stops at the layer's input.
            var x = saved[0].detach().requires_grad_(true);
            Tensor y;
            using (enable_grad())
            {
                if (call.Generator is { } generator)
                {
                    var afterForward = generator.get_state();
                    generator.set_state(rng);
                    y = call.Layer.Forward(x, cos, sin, mask, call.Causal, null, call.Index);
                    generator.set_state(afterForward);
                }
                else
                {
                    y = call.Layer.Forward(x, cos, sin, mask, call.Causal, null, call.Index);
                }
            }

            // Reentrant backward: parameter gradients accumulate into .grad as in an ordinary backward.
            autograd.backward([y], [grad_outputs[0]]);
            inputGradient = x.grad!.DetachFromDisposeScope();
        }

        // TorchSharp hands the engine's gradients over as new handles and never frees them.
        foreach (var g in grad_outputs)
        {
            g?.Dispose();
        }

        call.Returned.Replace(inputGradient);

        // One entry per argument of apply(): a gradient for x, none (null, which TorchSharp passes on as undefined) for the rest.
        return [inputGradient, null!, null!, null!, null!];
    }

    /// <summary>What backward needs beyond the saved tensors.</summary>
    private sealed record Call(LlamaDecoderLayer Layer, int Index, bool Causal, Generator? Generator, ReturnedGradient Returned);
}

/// <summary>
/// Holds the input gradient a checkpointed layer last returned to the autograd engine, which copies
/// it on return: freed when the next layer's backward (or the next pass) replaces it, so a backward
/// keeps at most one of them alive instead of leaving one per layer to the garbage collector.
/// </summary>
internal sealed class ReturnedGradient : IDisposable
{
    private readonly Lock _lock = new();
    private Tensor? _last;

    /// <summary>Keeps <paramref name="gradient"/>, freeing the one kept before.</summary>
    public void Replace(Tensor? gradient)
    {
        Tensor? previous;
        lock (_lock)
        {
            (previous, _last) = (_last, gradient);
        }

        previous?.Dispose();
    }

    /// <inheritdoc />
    public void Dispose() => Replace(null);
}
