namespace ViGoR.Torch.Training;

/// <summary>
/// Linear warm-up then cosine decay to 0, as Hugging Face's <c>get_cosine_schedule_with_warmup</c>
/// (num_cycles 0.5) that LLaVA uses (<c>lr_scheduler_type cosine</c>, <c>warmup_ratio 0.03</c>).
/// </summary>
/// <remarks>
/// As in Hugging Face's Trainer, optimizer step k (0-based) uses the multiplier for k, so the very
/// first step of a run with warm-up uses a learning rate of 0.
/// </remarks>
public sealed class LearningRateSchedule
{
    /// <summary>A schedule over <paramref name="totalSteps"/> optimizer steps.</summary>
    /// <param name="peak">The learning rate after warm-up.</param>
    /// <param name="totalSteps">Optimizer steps in the run (>= 1).</param>
    /// <param name="warmupRatio">Fraction of steps for the warm-up; warm-up steps = ceil(ratio × total), as Hugging Face's <c>get_warmup_steps</c>.</param>
    public LearningRateSchedule(double peak, int totalSteps, double warmupRatio)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, 1);
        if (warmupRatio is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(warmupRatio), warmupRatio, "Must be in [0, 1].");
        }

        Peak = peak;
        TotalSteps = totalSteps;
        WarmupSteps = (int)Math.Ceiling(warmupRatio * totalSteps);
    }

    /// <summary>The peak learning rate.</summary>
    public double Peak { get; }

    /// <summary>Optimizer steps in the run.</summary>
    public int TotalSteps { get; }

    /// <summary>Warm-up steps.</summary>
    public int WarmupSteps { get; }

    /// <summary>The learning rate of optimizer step <paramref name="step"/> (0-based).</summary>
    public double At(int step)
    {
        if (step < WarmupSteps)
        {
            return Peak * step / Math.Max(1, WarmupSteps);
        }

        var progress = (double)(step - WarmupSteps) / Math.Max(1, TotalSteps - WarmupSteps);
        return Peak * Math.Max(0.0, 0.5 * (1.0 + Math.Cos(Math.PI * progress)));
    }
}
