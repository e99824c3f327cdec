"""Plausible wrong answers for 10_ethics_bias; each must make its test cell fail."""

from course.authoring.mutants import Mutant

MUTANTS = [
    # per-group table
    Mutant("group_metrics", "selection rate taken from the true labels (base rate)",
           '"selection_rate": p.mean()', '"selection_rate": t.mean()'),
    Mutant("group_metrics", "TPR computed as precision P(y = 1 | y_hat = 1)",
           '"tpr": p[positives].mean() if positives.any() else 0.0',
           '"tpr": t[p == 1].mean() if (p == 1).any() else 0.0'),
    Mutant("group_metrics", "FPR taken as 1 - TPR",
           '"fpr": p[negatives].mean() if negatives.any() else 0.0',
           '"fpr": 1 - p[positives].mean() if positives.any() else 0.0'),
    Mutant("group_metrics", "groups in order of appearance instead of sorted",
           "labels = np.unique(groups)", "labels = pd.unique(groups)"),
    # demographic parity
    Mutant("demographic_parity_difference", "gap to the overall selection rate instead of between groups",
           "return float(max(rates) - min(rates))", "return float(max(rates) - y_pred.mean())"),
    Mutant("demographic_parity_difference", "counts of selected people instead of rates",
           "y_pred[groups == label].mean()", "y_pred[groups == label].sum()"),
    Mutant("demographic_parity_difference", "difference between the first two groups only",
           "return float(max(rates) - min(rates))", "return float(abs(rates[1] - rates[0]))"),
    # disparate impact
    Mutant("disparate_impact_ratio", "ratio upside down (max / min)",
           "return float(min(rates) / max(rates))",
           "return float(max(rates) / min(rates)) if min(rates) > 0 else float('inf')"),
    Mutant("disparate_impact_ratio", "returns 1 - ratio",
           "return float(min(rates) / max(rates))", "return float(1 - min(rates) / max(rates))"),
    Mutant("disparate_impact_ratio", "ratio of the first to the last group",
           "return float(min(rates) / max(rates))", "return float(rates[0] / rates[-1])"),
    # equal opportunity
    Mutant("equal_opportunity_difference", "FPR gap instead of TPR gap (y_true == 0)",
           "deserving = (groups == label) & (y_true == 1)", "deserving = (groups == label) & (y_true == 0)"),
    Mutant("equal_opportunity_difference", "selection rates instead of TPRs (ignores y_true)",
           "deserving = (groups == label) & (y_true == 1)", "deserving = groups == label"),
    # equalised odds
    Mutant("equalized_odds_difference", "mean of the two gaps instead of the worst case",
           "return float(max(tpr_gap, fpr_gap))", "return float((tpr_gap + fpr_gap) / 2)"),
    Mutant("equalized_odds_difference", "only the TPR gap",
           "return float(max(tpr_gap, fpr_gap))", "return float(tpr_gap)"),
    Mutant("equalized_odds_difference", "sum of the two gaps",
           "return float(max(tpr_gap, fpr_gap))", "return float(tpr_gap + fpr_gap)"),
    # proxy AUC
    Mutant("proxy_auc", "probability of the wrong class (column 0)",
           "proba[:, 1]", "proba[:, 0]"),
    Mutant("proxy_auc", "in-sample probabilities (no cross-validation)",
           'proba = cross_val_predict(model, X, protected, cv=folds, method="predict_proba")',
           "proba = model.fit(X, protected).predict_proba(X)"),
    Mutant("proxy_auc", "folds not shuffled",
           "StratifiedKFold(n_splits=5, shuffle=True, random_state=0)", "StratifiedKFold(n_splits=5)"),
    # group thresholds
    Mutant("group_thresholds", "strict > instead of >=",
           "np.mean(positive_scores >= t)", "np.mean(positive_scores > t)"),
    Mutant("group_thresholds", "selection rate of the group instead of its TPR",
           "np.mean(positive_scores >= t)", "np.mean(group_scores >= t)"),
    Mutant("group_thresholds", "smallest instead of largest admissible threshold",
           "candidates[tpr >= target_tpr].max()", "candidates[tpr >= target_tpr].min()"),
    Mutant("group_thresholds", "positives of all groups instead of the group's own",
           "positive_scores = group_scores[y_true[groups == label] == 1]",
           "positive_scores = scores[y_true == 1]"),
    # bootstrap intervals
    Mutant("bootstrap_group_ci", "quantiles alpha and 1 - alpha (a 1 - 2 alpha interval)",
           "np.quantile(replicates, [alpha / 2, 1 - alpha / 2])", "np.quantile(replicates, [alpha, 1 - alpha])"),
    Mutant("bootstrap_group_ci", "estimate is the mean of the replicates",
           "rows.append([float(rate(t, p)), float(lower), float(upper)])",
           "rows.append([float(replicates.mean()), float(lower), float(upper)])"),
    Mutant("bootstrap_group_ci", "seed ignored (a fresh unseeded generator)",
           "rng = np.random.default_rng(seed)", "rng = np.random.default_rng()"),
    Mutant("bootstrap_group_ci", "resamples all rows, not within each group (group sizes vary)",
           """        positions = rng.integers(0, len(t), size=(n_boot, len(t)))
        replicates = rate(t[positions], p[positions])""",
           """        replicates = []
        for _ in range(n_boot):
            drawn = rng.integers(0, len(groups), len(groups))
            in_group = groups[drawn] == label
            replicates.append(rate(y_true[drawn][in_group], y_pred[drawn][in_group]))
        replicates = np.array(replicates)"""),
    Mutant("bootstrap_group_ci", "permutations: resampling without replacement",
           "positions = rng.integers(0, len(t), size=(n_boot, len(t)))",
           "positions = np.array([rng.permutation(len(t)) for _ in range(n_boot)])"),
    Mutant("bootstrap_group_ci", "normal interval mean +- 1.96 sd instead of percentiles",
           "lower, upper = np.quantile(replicates, [alpha / 2, 1 - alpha / 2])",
           "lower, upper = replicates.mean() - 1.96 * replicates.std(), replicates.mean() + 1.96 * replicates.std()"),
    Mutant("bootstrap_group_ci", "TPR over all rows of the sample (selection rate)",
           "condition = t == (1 if metric == \"tpr\" else 0)",
           "condition = (t == (1 if metric == \"tpr\" else 0)) | (metric == \"tpr\")"),
    Mutant("bootstrap_group_ci", "a new generator for every group (same draws for groups of equal size)",
           """    for label in labels:
        t, p = y_true[groups == label], y_pred[groups == label]""",
           """    for label in labels:
        rng = np.random.default_rng(seed)
        t, p = y_true[groups == label], y_pred[groups == label]"""),
    # model card
    Mutant("model_card", "rates rounded to two decimals",
           'f"{row[c]:.3f}"', 'f"{row[c]:.2f}"'),
    Mutant("model_card", "gap reported as the maximum, not max - min",
           "metrics_by_group[c].max() - metrics_by_group[c].min():.3f",
           "metrics_by_group[c].max():.3f"),
    Mutant("model_card", "limitations forgotten in Caveats and recommendations",
           '"Caveats and recommendations": limitations,',
           '"Caveats and recommendations": notes.get("Caveats and recommendations", "Not documented."),'),
    Mutant("model_card", "Factors section left out",
           '"Intended use", "Factors", "Metrics"', '"Intended use", "Metrics"'),
    # multiple choice
    Mutant("MC_BIAS_SOURCES", "arrests read as representation bias",
           'MC_BIAS_SOURCES = {"a", "b", "d", "f"}', 'MC_BIAS_SOURCES = {"a", "b", "c", "d", "f"}'),
    Mutant("MC_HARMS", "thinks people left out show up in the users' selection rates",
           'MC_HARMS = {"a", "b", "d"}', 'MC_HARMS = {"a", "b", "d", "e"}'),
    Mutant("MC_HARMS", "thinks equal selection rates rule out quality-of-service harm",
           'MC_HARMS = {"a", "b", "d"}', 'MC_HARMS = {"a", "b", "c", "d"}'),
    Mutant("MC_FAIRNESS_CRITERIA", "equalised odds confused with equal accuracy",
           'MC_FAIRNESS_CRITERIA = {"a", "b", "d", "e", "f"}', 'MC_FAIRNESS_CRITERIA = {"a", "b", "c", "d", "e"}'),
    Mutant("MC_PROXIES", "believes in fairness through unawareness",
           'MC_PROXIES = {"b", "c", "d"}', 'MC_PROXIES = {"a", "b", "c"}'),
    Mutant("MC_IMPOSSIBILITY", "thinks dropping the attribute resolves the conflict",
           'MC_IMPOSSIBILITY = {"a", "c", "d"}', 'MC_IMPOSSIBILITY = {"a", "d", "e"}'),
    Mutant("MC_PRIVACY", "smaller epsilon read as weaker privacy",
           'MC_PRIVACY = {"a", "b", "d"}', 'MC_PRIVACY = {"a", "b", "c", "d"}'),
    Mutant("MC_RESPONSIBLE_AI", "explanations taken as proof of fairness",
           'MC_RESPONSIBLE_AI = {"a", "b", "d", "e"}', 'MC_RESPONSIBLE_AI = {"a", "b", "c", "d"}'),
    Mutant("MC_MITIGATION", "tunes thresholds on the test set",
           'MC_MITIGATION = {"a", "b", "c", "e"}', 'MC_MITIGATION = {"a", "b", "c", "d", "e"}'),
]
