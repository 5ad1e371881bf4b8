using ViGoR.Torch.Modeling;
using ViGoR.Torch.Training;
using static TorchSharp.torch;

namespace ViGoR.Torch.Tests.Training;

public sealed class MemoryPlanTests
{
    [Fact]
    public void Parameter_counts_equal_the_instantiated_tiny_model_for_full_and_lora_training()
    {
        using var model = TinyLlava.Load(TinyLlava.HuggingFace);
        var config = LlavaModelConfig.Load(TinyLlava.HuggingFace);
        long all = model.Module.parameters().Sum(p => p.numel());

        var full = FineTuningMemoryPlan.Estimate(config, new FineTuningPlanRequest());
        Assert.Equal(all, full.Parameters);
        Assert.Equal(TrainedBy(model, new LlavaFineTuningOptions()), full.TrainableParameters);

        foreach (var targets in new[] { LoraTargets.AllLinear, LoraTargets.AttentionOnly })
        {
            var settings = new LlavaFineTuningOptions { LoraRank = 4, LoraTargets = targets };
            var lora = FineTuningMemoryPlan.Estimate(config, new FineTuningPlanRequest { LoraRank = 4, LoraTargets = targets });
            Assert.Equal(TrainedBy(model, settings), lora.TrainableParameters);
        }
    }

    [Fact]
    public void Bytes_follow_the_dtype_and_what_is_trained()
    {
        var config = LlavaModelConfig.Load(TinyLlava.HuggingFace);
        var fp32 = FineTuningMemoryPlan.Estimate(config, new FineTuningPlanRequest());
        var bf16 = FineTuningMemoryPlan.Estimate(config, new FineTuningPlanRequest { DType = ScalarType.BFloat16 });
        var checkpointed = FineTuningMemoryPlan.Estimate(config, new FineTuningPlanRequest { DType = ScalarType.BFloat16, GradientCheckpointing = true });

        Assert.Equal(fp32.Parameters * 4, fp32.WeightBytes);
        Assert.Equal(bf16.Parameters * 2, bf16.WeightBytes);
        Assert.Equal(fp32.TrainableParameters * 8, fp32.OptimizerBytes);       // two float32 moments
        Assert.Equal(bf16.TrainableParameters * 12, bf16.OptimizerBytes);      // plus the float32 master
        Assert.Equal(bf16.TrainableParameters * 2, bf16.GradientBytes);
        Assert.True(checkpointed.ActivationBytes < bf16.ActivationBytes);
        Assert.Equal(bf16.TotalBytes, bf16.WeightBytes + bf16.GradientBytes + bf16.OptimizerBytes + bf16.ActivationBytes);
    }

    [Fact]
    public void A_preference_objective_costs_activations_for_both_answers_and_no_second_model()
    {
        var config = LlavaModelConfig.Load(TinyLlava.HuggingFace);
        var sft = FineTuningMemoryPlan.Estimate(config, new FineTuningPlanRequest { LoraRank = 4, SequenceLength = 64 });
        var dpo = FineTuningMemoryPlan.Estimate(config, new FineTuningPlanRequest { LoraRank = 4, SequenceLength = 64, Objective = TrainingObjective.Dpo });
        var twoExamples = FineTuningMemoryPlan.Estimate(config, new FineTuningPlanRequest { LoraRank = 4, SequenceLength = 64, MicroBatchSize = 2 });

        // The reference's log-probabilities are stored with the pairs: weights, gradients and optimizer are SFT's.
        Assert.Equal((sft.WeightBytes, sft.GradientBytes, sft.OptimizerBytes), (dpo.WeightBytes, dpo.GradientBytes, dpo.OptimizerBytes));

        // A pair is two sequences in one forward, plus the kept float32 log-softmax over the vocabulary.
        Assert.Equal(twoExamples.ActivationBytes + (2L * 64 * config.Text.VocabSize * 4), dpo.ActivationBytes);
    }

    [Fact]
    public void The_real_llava_15_7b_has_seven_billion_parameters()
    {
        var dir = Directory.CreateTempSubdirectory("vigor-plan").FullName;
        File.Copy(TinyLlava.Config("llava-1.5-7b-hf.config.json"), Path.Combine(dir, "config.json"));
        var plan = FineTuningMemoryPlan.Estimate(LlavaModelConfig.Load(dir), new FineTuningPlanRequest { DType = ScalarType.BFloat16 });

        // llava-1.5-7b-hf: 7.06 B (vicuna-7b 6.74 B with 64 extra vocabulary rows, CLIP-L/336 0.30 B, projector 0.02 B).
        Assert.InRange(plan.Parameters, 7_040_000_000, 7_080_000_000);
        Directory.Delete(dir, recursive: true);
    }

    private static long TrainedBy(LlavaVisionLanguageModel model, LlavaFineTuningOptions settings)
    {
        using var target = new LlavaTrainingTarget(model, settings, seed: 1);
        return target.TrainableParameters.Sum(p => p.Parameter.numel());
    }
}
