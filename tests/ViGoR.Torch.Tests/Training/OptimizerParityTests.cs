using TorchSharp;
using Parameter = TorchSharp.Modules.Parameter;
using ViGoR.Torch.Training;
using static TorchSharp.torch;

namespace ViGoR.Torch.Tests.Training;

/// <summary>The optimizer arithmetic matches PyTorch's (TorchSharp's ports of torch.optim.AdamW and clip_grad_norm_).</summary>
public sealed class OptimizerParityTests
{
    [Fact]
    public void AdamWMatchesTorchOptimAdamWStepForStep()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(5);
        var ours = new Parameter(randn([4, 3], generator: generator));
        var theirs = new Parameter(ours.detach().clone());
        using var adam = new ViGoR.Torch.Training.AdamW([("w", ours)], 0.9, 0.999, 1e-8, 0.01);
        var reference = optim.AdamW([theirs], lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0.01);
        double[] rates = [0, 1e-3, 5e-4, 2e-3, 1e-4];
        foreach (var lr in rates)
        {
            var grad = randn([4, 3], generator: generator);
            ours.grad = grad.clone();
            theirs.grad = grad.clone();
            adam.Update(lr);
            foreach (var group in reference.ParamGroups)
            {
                group.LearningRate = lr;
            }

            reference.step();
            Assert.True(ours.allclose(theirs, rtol: 1e-6, atol: 1e-7), $"differs after lr {lr}");
        }

        Assert.Equal(rates.Length, adam.Step);
    }

    [Fact]
    public void ClippingMatchesClipGradNorm()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(9);
        var a = randn([5], generator: generator) * 3;
        var b = randn([2, 2], generator: generator) * 3;
        var pa = new Parameter(zeros(5)) { grad = a.clone() };
        var pb = new Parameter(zeros(2, 2)) { grad = b.clone() };
        nn.utils.clip_grad_norm_([pa, pb], 1.0);

        List<Tensor> ours = [a.clone(), b.clone()];
        FineTuningLoop<object>.ClipGradNorm(ours, 1.0);
        Assert.True(ours[0].allclose(pa.grad!, rtol: 1e-6, atol: 1e-7));
        Assert.True(ours[1].allclose(pb.grad!, rtol: 1e-6, atol: 1e-7));
    }
    [Theory]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.BFloat16)]
    public void HalfPrecisionParametersKeepFloat32MomentsAndStayFinite(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(3);
        var start = randn([8, 8], generator: generator);
        var half = new Parameter(start.to(dtype));
        var full = new Parameter(start.to(dtype).to(ScalarType.Float32));
        using var halfAdam = new ViGoR.Torch.Training.AdamW([("w", half)], 0.9, 0.999, 1e-8, 0);
        using var fullAdam = new ViGoR.Torch.Training.AdamW([("w", full)], 0.9, 0.999, 1e-8, 0);
        for (int i = 0; i < 3; i++)
        {
            var grad = randn([8, 8], generator: generator) * 1e-4; // tiny gradients: v underflows in float16
            half.grad = grad.to(dtype);
            full.grad = grad.to(dtype).to(ScalarType.Float32);
            halfAdam.Update(1e-2);
            fullAdam.Update(1e-2);
        }

        Assert.Equal(ScalarType.Float32, halfAdam.StateTensors()["w.exp_avg_sq"].dtype);
        Assert.True(half.isfinite().all().item<bool>());
        Assert.True(half.to(ScalarType.Float32).allclose(full, rtol: 0, atol: 2e-2));
    }
}
