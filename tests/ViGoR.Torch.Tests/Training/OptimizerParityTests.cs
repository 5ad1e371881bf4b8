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

    [Theory]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.BFloat16)]
    public void SmallUpdatesAccumulateInTheFloat32MasterAndReachTheSixteenBitWeights(ScalarType dtype)
    {
        // Weights near 1: a bf16 ulp is 2^-7 (fp16: 2^-10). Adam moves each weight by about lr per
        // step, here 1e-4: far below half an ulp, so without a master copy every update rounds away.
        using var scope = NewDisposeScope();
        using var generator = new Generator(5);
        var start = (ones([16]) + (rand([16], generator: generator) * 0.01)).to(dtype).to(ScalarType.Float32);
        var half = new Parameter(start.to(dtype));
        var full = new Parameter(start.clone());
        using var halfAdam = new ViGoR.Torch.Training.AdamW([("w", half)], 0.9, 0.999, 1e-8, 0);
        using var fullAdam = new ViGoR.Torch.Training.AdamW([("w", full)], 0.9, 0.999, 1e-8, 0);
        for (int i = 0; i < 200; i++)
        {
            var grad = ones([16]) + (randn([16], generator: generator) * 0.1);
            half.grad = grad.to(dtype);
            full.grad = grad.to(dtype).to(ScalarType.Float32);
            halfAdam.Update(1e-4);
            fullAdam.Update(1e-4);
        }

        var moved = (full - start).abs().min().item<float>();
        Assert.True(moved > 0.015, $"float32 moved only {moved}");
        var ulp = dtype == ScalarType.BFloat16 ? 1f / 128 : 1f / 1024;
        var error = (half.to(ScalarType.Float32) - full).abs().max().item<float>();
        Assert.True(error <= ulp, $"16-bit weights are {error} from float32's (one ulp is {ulp})");
        Assert.True(halfAdam.StateTensors().ContainsKey("w.master"));
    }
}
