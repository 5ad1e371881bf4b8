namespace ViGoR.Cli.Commands;

/// <summary>The training objective's flags (<c>--objective</c>, <c>--pairs</c>, <c>--dpo-beta</c>, <c>--dpo-loss</c>, <c>--sft-weight</c>) turned into options, in one place.</summary>
internal static class ObjectiveFlags
{
    public static TrainingObjective Objective(string value) => value.ToLowerInvariant() switch
    {
        "sft" => TrainingObjective.Sft,
        "dpo" => TrainingObjective.Dpo,
        "sft+dpo" or "dpo+sft" => TrainingObjective.SftPlusDpo,
        _ => throw new ArgumentException($"--objective: expected sft, dpo or sft+dpo, got '{value}'."),
    };

    public static PreferencePairing Pairing(string value) => value.ToLowerInvariant() switch
    {
        "best-vs-worst" or "best_vs_worst" => PreferencePairing.BestVersusWorst,
        "sentence-level" or "sentence_level" or "sentence" => PreferencePairing.SentenceLevel,
        _ => throw new ArgumentException($"--pairs: expected best-vs-worst or sentence-level, got '{value}'."),
    };

    public static DpoOptions Dpo(ObjectiveSettings settings) => new()
    {
        Beta = settings.DpoBeta,
        Loss = settings.DpoLoss.ToLowerInvariant() switch
        {
            "sigmoid" or "dpo" => PreferenceLoss.Sigmoid,
            "ipo" => PreferenceLoss.Ipo,
            var other => throw new ArgumentException($"--dpo-loss: expected sigmoid or ipo, got '{other}'."),
        },
        Pairing = Pairing(settings.Pairs),

        // The SFT term belongs to sft+dpo only: pure DPO has none, whatever --sft-weight says.
        SftWeight = Objective(settings.Objective) == TrainingObjective.SftPlusDpo ? settings.SftWeight : 0,
    };

    /// <summary>The first problem with the flags, or null.</summary>
    public static string? Validate(ObjectiveSettings settings)
    {
        try
        {
            var objective = Objective(settings.Objective);
            var dpo = Dpo(settings);
            if (objective != TrainingObjective.Sft)
            {
                dpo.Validate();
            }

            return objective == TrainingObjective.SftPlusDpo && !(settings.SftWeight > 0)
                ? $"--sft-weight must be > 0 with --objective sft+dpo, got {settings.SftWeight}."
                : null;
        }
        catch (ArgumentException e)
        {
            return e.Message.Replace("DpoOptions.Beta", "--dpo-beta", StringComparison.Ordinal);
        }
    }
}
