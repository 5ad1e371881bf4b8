namespace ViGoR;

/// <summary>Assembles a <see cref="ScoredSample"/> from the two streams' per-sentence signals.</summary>
public static class SampleScoring
{
    /// <summary>
    /// Builds the scored sample. Automatic totals are sums over sentences; reward-model totals are
    /// sums (fine-grained) or the worst sentence's judgement (holistic).
    /// </summary>
    /// <param name="index">The sample index.</param>
    /// <param name="parsed">The parsed sample.</param>
    /// <param name="automatic">One signal per sentence, or null when the automatic stream did not run.</param>
    /// <param name="rewardModel">One judgement per sentence, or null when the reward model did not run.</param>
    /// <param name="granularity">How reward-model judgements are totalled.</param>
    public static ScoredSample Create(
        int index,
        ParsedText parsed,
        IReadOnlyList<AutomaticSentenceSignal>? automatic,
        IReadOnlyList<SentenceJudgement>? rewardModel,
        RewardGranularity granularity)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        var count = parsed.Sentences.Count;
        if (automatic is not null && automatic.Count != count)
        {
            throw new ArgumentException($"Expected {count} automatic signals, got {automatic.Count}.", nameof(automatic));
        }

        if (rewardModel is not null && rewardModel.Count != count)
        {
            throw new ArgumentException($"Expected {count} judgements, got {rewardModel.Count}.", nameof(rewardModel));
        }

        var sentences = new SentenceScore[count];
        for (var s = 0; s < count; s++)
        {
            sentences[s] = new SentenceScore(s, automatic?[s], rewardModel?[s]);
        }

        double autoPenalty = 0, autoBonus = 0;
        if (automatic is not null)
        {
            foreach (var signal in automatic)
            {
                autoPenalty += signal.Penalty;
                autoBonus += signal.Bonus;
            }
        }

        double rmPenalty = 0, rmBonus = 0;
        if (rewardModel is { Count: > 0 })
        {
            if (granularity == RewardGranularity.Holistic)
            {
                var worst = rewardModel.MinBy(j => j.Score)!;
                rmPenalty = worst.Penalty;
                rmBonus = worst.Bonus;
            }
            else
            {
                foreach (var judgement in rewardModel)
                {
                    rmPenalty += judgement.Penalty;
                    rmBonus += judgement.Bonus;
                }
            }
        }

        return new ScoredSample(index, parsed.Text, parsed, sentences, autoPenalty, autoBonus, rmPenalty, rmBonus);
    }
}
