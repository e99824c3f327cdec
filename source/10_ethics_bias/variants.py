"""Right answers in other idioms for 10_ethics_bias: each must keep its test's full points."""

from course.authoring.mutants import Mutant

GROUP_METRICS_BODY = """    y_true = np.asarray(y_true).astype(int).ravel()
    y_pred = np.asarray(y_pred).astype(int).ravel()
    groups = np.asarray(groups).ravel()
    if not len(y_true) == len(y_pred) == len(groups):
        raise ValueError("y_true, y_pred and groups must have the same length")
    labels = np.unique(groups)
    rows = []
    for label in labels:
        in_group = groups == label
        t, p = y_true[in_group], y_pred[in_group]
        positives, negatives = t == 1, t == 0
        rows.append({
            "count": int(in_group.sum()),
            "selection_rate": p.mean(),
            "tpr": p[positives].mean() if positives.any() else 0.0,
            "fpr": p[negatives].mean() if negatives.any() else 0.0,
            "accuracy": np.mean(p == t),
        })
    return pd.DataFrame(rows, index=labels)"""

RATES_BODY = """    y_pred = np.asarray(y_pred, dtype=float).ravel()
    groups = np.asarray(groups).ravel()
    rates = [y_pred[groups == label].mean() for label in np.unique(groups)]"""

EQUAL_OPPORTUNITY_BODY = """    y_true = np.asarray(y_true).astype(int).ravel()
    y_pred = np.asarray(y_pred, dtype=float).ravel()
    groups = np.asarray(groups).ravel()
    tprs = []
    for label in np.unique(groups):
        deserving = (groups == label) & (y_true == 1)
        tprs.append(y_pred[deserving].mean() if deserving.any() else 0.0)
    return float(max(tprs) - min(tprs))"""

EQUALIZED_ODDS_BODY = """    y_true = np.asarray(y_true).astype(int).ravel()
    y_pred = np.asarray(y_pred, dtype=float).ravel()
    groups = np.asarray(groups).ravel()
    tprs, fprs = [], []
    for label in np.unique(groups):
        pos = (groups == label) & (y_true == 1)
        neg = (groups == label) & (y_true == 0)
        tprs.append(y_pred[pos].mean() if pos.any() else 0.0)
        fprs.append(y_pred[neg].mean() if neg.any() else 0.0)
    tpr_gap = max(tprs) - min(tprs)
    fpr_gap = max(fprs) - min(fprs)
    return float(max(tpr_gap, fpr_gap))"""

PROXY_AUC_BODY = """    protected = np.asarray(protected).ravel()
    if len(np.unique(protected)) != 2:
        raise ValueError("protected must have exactly two distinct values")
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    proba = cross_val_predict(model, X, protected, cv=folds, method="predict_proba")
    return float(roc_auc_score(protected, proba[:, 1]))"""

GROUP_THRESHOLDS_BODY = """    scores = np.asarray(scores, dtype=float).ravel()
    y_true = np.asarray(y_true).astype(int).ravel()
    groups = np.asarray(groups).ravel()
    if not 0 < target_tpr <= 1:
        raise ValueError("target_tpr must be in (0, 1]")
    thresholds = {}
    for label in np.unique(groups):
        group_scores = scores[groups == label]
        positive_scores = group_scores[y_true[groups == label] == 1]
        if len(positive_scores) == 0:
            raise ValueError(f"group {label!r} has no positive examples")
        candidates = np.unique(group_scores)
        tpr = np.array([np.mean(positive_scores >= t) for t in candidates])
        thresholds[label] = float(candidates[tpr >= target_tpr].max())
    return thresholds"""

MODEL_CARD_BODY = (
    """    notes = dict(notes or {})
    rates = ["selection_rate", "tpr", "fpr", "accuracy"]
    table = ["| group | count | " + " | ".join(rates) + " |", "|---|---|---|---|---|---|"]
    for group, row in metrics_by_group.iterrows():
        values = " | ".join(f"{row[c]:.3f}" for c in rates)
        table.append(f"| {group} | {int(row['count'])} | {values} |")
    gaps = ", ".join(f"{c} {metrics_by_group[c].max() - metrics_by_group[c].min():.3f}" """
    """for c in rates)
    table.append("")
    table.append(f"Largest gap between groups (max - min): {gaps}.")
    body = {
        "Model details": notes.get("Model details", "Not documented."),
        "Intended use": intended_use,
        "Factors": "Performance is reported separately for each group: "
                   + ", ".join(str(g) for g in metrics_by_group.index) + ".",
        "Metrics": "Per group: number of people (count), selection rate, true-positive rate (tpr), "
                   "false-positive rate (fpr) and accuracy; gaps are the largest minus the """
    """smallest "
                   "value over the groups.",
        "Evaluation data": notes.get("Evaluation data", "Not documented."),
        "Training data": notes.get("Training data", "Not documented."),
        "Quantitative analyses": "\\n".join(table),
        "Ethical considerations": notes.get("Ethical considerations", "Not documented."),
        "Caveats and recommendations": limitations,
    }
    parts = [f"# Model card: {name}", ""]
    for section in ["Model details", "Intended use", "Factors", "Metrics", "Evaluation data",
                    "Training data", "Quantitative analyses", "Ethical considerations",
                    "Caveats and recommendations"]:
        parts += [f"## {section}", "", body[section], ""]
    return "\\n".join(parts)"""
)

BOOTSTRAP_CORE = """    rng = np.random.default_rng(seed)
    labels = np.unique(groups)
    rows = []
    for label in labels:
        t, p = y_true[groups == label], y_pred[groups == label]
        positions = rng.integers(0, len(t), size=(n_boot, len(t)))
        replicates = rate(t[positions], p[positions])
        lower, upper = np.quantile(replicates, [alpha / 2, 1 - alpha / 2])
        rows.append([float(rate(t, p)), float(lower), float(upper)])
    return pd.DataFrame(rows, index=labels, columns=["estimate", "lower", "upper"])"""

VARIANTS = [
    # per-group table
    Mutant("group_metrics", "pandas groupby over a DataFrame, rows collected in a dict",
           GROUP_METRICS_BODY,
           """    if not len(y_true) == len(y_pred) == len(groups):
        raise ValueError("y_true, y_pred and groups must have the same length")
    frame = pd.DataFrame({"t": y_true, "p": y_pred, "g": groups}).astype({"t": int, "p": int})
    rows = {}
    for label, part in frame.groupby("g"):
        positives, negatives = part[part.t == 1], part[part.t == 0]
        rows[label] = {
            "count": len(part),
            "selection_rate": part.p.mean(),
            "tpr": positives.p.mean() if len(positives) else 0.0,
            "fpr": negatives.p.mean() if len(negatives) else 0.0,
            "accuracy": (part.p == part.t).mean(),
        }
    return pd.DataFrame.from_dict(rows, orient="index")"""),
    Mutant("group_metrics", "fairlearn MetricFrame",
           GROUP_METRICS_BODY,
           """    if not len(y_true) == len(y_pred) == len(groups):
        raise ValueError("y_true, y_pred and groups must have the same length")
    frame = flm.MetricFrame(
        metrics={"count": flm.count, "selection_rate": flm.selection_rate,
                 "tpr": flm.true_positive_rate, "fpr": flm.false_positive_rate,
                 "accuracy": accuracy_score},
        y_true=y_true, y_pred=y_pred, sensitive_features=groups)
    return frame.by_group.astype(float).astype({"count": int})"""),
    Mutant("group_metrics", "np.unique(return_inverse=True) and np.bincount, no np.asarray",
           GROUP_METRICS_BODY,
           """    if not len(y_true) == len(y_pred) == len(groups):
        raise ValueError("y_true, y_pred and groups must have the same length")
    labels, codes = np.unique(groups, return_inverse=True)
    t, p = y_true.astype(int), y_pred.astype(int)

    def per_group(weights):
        return np.bincount(codes, weights=weights, minlength=len(labels))

    def share(hits, total):
        return np.divide(hits, total, out=np.zeros(len(labels)), where=total > 0)

    count = np.bincount(codes, minlength=len(labels))
    return pd.DataFrame({
        "count": count,
        "selection_rate": share(per_group(p), count),
        "tpr": share(per_group(p * t), per_group(t)),
        "fpr": share(per_group(p * (1 - t)), per_group(1 - t)),
        "accuracy": share(per_group(p == t), count),
    }, index=labels)"""),
    # demographic parity
    Mutant("demographic_parity_difference", "no np.asarray, set of groups",
           RATES_BODY,
           "    rates = [y_pred[groups == label].mean() for label in set(groups)]"),
    Mutant("demographic_parity_difference", "pandas groupby",
           RATES_BODY + "\n    return float(max(rates) - min(rates))",
           """    rates = pd.Series(y_pred, dtype=float).groupby(groups).mean()
    return float(rates.max() - rates.min())"""),
    Mutant("demographic_parity_difference", "fairlearn",
           RATES_BODY + "\n    return float(max(rates) - min(rates))",
           """    gap = flm.demographic_parity_difference(y_pred, y_pred, sensitive_features=groups)
    return float(gap)"""),
    # disparate impact
    Mutant("disparate_impact_ratio", "pandas groupby",
           RATES_BODY,
           "    rates = list(pd.Series(y_pred, dtype=float).groupby(groups).mean())"),
    Mutant("disparate_impact_ratio", "no np.asarray, returns np.nan",
           RATES_BODY + """
    if max(rates) == 0:
        return float("nan")
    return float(min(rates) / max(rates))""",
           """    rates = [y_pred[groups == label].mean() for label in np.unique(groups)]
    return min(rates) / max(rates) if max(rates) > 0 else np.nan"""),
    Mutant("disparate_impact_ratio", "fairlearn, after checking that someone is selected",
           RATES_BODY + """
    if max(rates) == 0:
        return float("nan")
    return float(min(rates) / max(rates))""",
           """    if not np.any(y_pred):
        return float("nan")
    return float(flm.demographic_parity_ratio(y_pred, y_pred, sensitive_features=groups))"""),
    # equal opportunity
    Mutant("equal_opportunity_difference", "pandas groupby of the positives, reindexed",
           EQUAL_OPPORTUNITY_BODY,
           """    positives = y_true == 1
    tprs = pd.Series(y_pred[positives], dtype=float).groupby(groups[positives]).mean()
    tprs = tprs.reindex(np.unique(groups), fill_value=0.0)
    return float(tprs.max() - tprs.min())"""),
    Mutant("equal_opportunity_difference", "reuses group_metrics",
           EQUAL_OPPORTUNITY_BODY,
           """    tpr = group_metrics(y_true, y_pred, groups)["tpr"]
    return float(tpr.max() - tpr.min())"""),
    Mutant("equal_opportunity_difference", "fairlearn",
           EQUAL_OPPORTUNITY_BODY,
           """    gap = flm.equal_opportunity_difference(y_true, y_pred, sensitive_features=groups)
    return float(gap)"""),
    # equalised odds
    Mutant("equalized_odds_difference", "reuses group_metrics",
           EQUALIZED_ODDS_BODY,
           """    rates = group_metrics(y_true, y_pred, groups)[["tpr", "fpr"]]
    return float((rates.max() - rates.min()).max())"""),
    Mutant("equalized_odds_difference", "pandas groupby by group and label, unstacked",
           EQUALIZED_ODDS_BODY,
           """    frame = pd.DataFrame({"g": groups, "t": y_true.astype(int),
                          "p": y_pred.astype(float)})
    rates = frame.groupby(["g", "t"])["p"].mean().unstack("t", fill_value=0.0)
    rates = rates.reindex(columns=[0, 1], fill_value=0.0)
    return float((rates.max() - rates.min()).max())"""),
    Mutant("equalized_odds_difference", "fairlearn",
           EQUALIZED_ODDS_BODY,
           """    gap = flm.equalized_odds_difference(y_true, y_pred, sensitive_features=groups)
    return float(gap)"""),
    # proxy AUC
    Mutant("proxy_auc", "the five folds written out as a loop",
           PROXY_AUC_BODY,
           """    labels = np.unique(protected)
    if len(labels) != 2:
        raise ValueError("protected must have exactly two distinct values")
    features = np.asarray(X, dtype=float)
    proba = np.zeros(len(protected))
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    for train, test in folds.split(features, protected):
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
        model.fit(features[train], protected[train])
        proba[test] = model.predict_proba(features[test])[:, 1]
    return float(roc_auc_score(protected == labels[1], proba))"""),
    Mutant("proxy_auc", "set() for the label check, last column of predict_proba",
           PROXY_AUC_BODY,
           """    if len(set(protected)) != 2:
        raise ValueError("protected must have exactly two distinct values")
    proba = cross_val_predict(make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
                              X, protected, method="predict_proba",
                              cv=StratifiedKFold(5, shuffle=True, random_state=0))
    return float(roc_auc_score(protected, proba[:, -1]))"""),
    # group thresholds
    Mutant("group_thresholds", "k-th largest positive score, k the fewest hits reaching the target",
           GROUP_THRESHOLDS_BODY,
           """    if not 0 < target_tpr <= 1:
        raise ValueError("target_tpr must be in (0, 1]")
    thresholds = {}
    for label in np.unique(groups):
        positives = np.sort(scores[(groups == label) & (y_true == 1)])[::-1]
        if len(positives) == 0:
            raise ValueError(f"group {label!r} has no positive examples")
        needed = next(k for k in range(1, len(positives) + 1) if k / len(positives) >= target_tpr)
        thresholds[label] = float(positives[needed - 1])
    return thresholds"""),
    Mutant("group_thresholds", "pandas groupby, candidates tried from the largest down",
           GROUP_THRESHOLDS_BODY,
           """    if not 0 < target_tpr <= 1:
        raise ValueError("target_tpr must be in (0, 1]")
    frame = pd.DataFrame({"score": scores, "positive": y_true == 1, "group": groups})
    thresholds = {}
    for label, part in frame.groupby("group"):
        positive_scores = part.loc[part.positive, "score"]
        if positive_scores.empty:
            raise ValueError(f"group {label!r} has no positive examples")
        for t in sorted(part.score.unique(), reverse=True):
            if (positive_scores >= t).mean() >= target_tpr:
                thresholds[label] = float(t)
                break
    return thresholds"""),
    # bootstrap intervals
    Mutant("bootstrap_group_ci", "one replicate at a time with rng.choice, rates from "
           "group_metrics, np.percentile",
           BOOTSTRAP_CORE,
           """    rng = np.random.default_rng(seed)
    result = {}
    for label in sorted(set(groups.tolist())):
        t, p = y_true[groups == label], y_pred[groups == label]
        one_group = np.zeros(len(t))

        def value(tt, pp):
            return float(group_metrics(tt, pp, one_group)[metric].iloc[0])

        replicates = []
        for _ in range(n_boot):
            drawn = rng.choice(len(t), len(t))
            replicates.append(value(t[drawn], p[drawn]))
        low, high = np.percentile(replicates, [100 * alpha / 2, 100 * (1 - alpha / 2)])
        result[label] = {"estimate": value(t, p), "lower": low, "upper": high}
    return pd.DataFrame.from_dict(result, orient="index")"""),
    Mutant("bootstrap_group_ci", "pandas groupby, rng.choice of row labels as one matrix, "
           "masked means",
           BOOTSTRAP_CORE,
           """    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"t": y_true, "p": y_pred, "g": groups})
    columns = {"estimate": [], "lower": [], "upper": []}
    labels = []
    for label, part in frame.groupby("g", sort=True):
        rows_of_group = np.arange(len(part))
        drawn = rng.choice(rows_of_group, size=(n_boot, len(part)))
        t_all = np.vstack([part["t"].to_numpy(), part["t"].to_numpy()[drawn]])
        p_all = np.vstack([part["p"].to_numpy(), part["p"].to_numpy()[drawn]])
        if metric == "selection_rate":
            values = p_all.mean(axis=1)
        elif metric == "accuracy":
            values = (p_all == t_all).mean(axis=1)
        else:
            mask = t_all == 1 if metric == "tpr" else t_all == 0
            counts = mask.sum(axis=1)
            values = np.divide((p_all * mask).sum(axis=1), counts, out=np.zeros(len(counts)),
                               where=counts > 0)
        labels.append(label)
        columns["estimate"].append(values[0])
        low, high = np.quantile(values[1:], (alpha / 2, 1 - alpha / 2))
        columns["lower"].append(low)
        columns["upper"].append(high)
    return pd.DataFrame(columns, index=labels)"""),
    # model card
    Mutant("model_card", "to_dict rows, gaps as a Series, other free text, sections joined once",
           MODEL_CARD_BODY,
           """    notes = notes or {}
    rates = ["selection_rate", "tpr", "fpr", "accuracy"]
    table = ["| group | count | selection_rate | tpr | fpr | accuracy |",
             "| --- | --- | --- | --- | --- | --- |"]
    for group, row in metrics_by_group.to_dict("index").items():
        cells = [str(group), str(int(row["count"]))] + [format(row[c], ".3f") for c in rates]
        table.append("| " + " | ".join(cells) + " |")
    spread = metrics_by_group[rates].max() - metrics_by_group[rates].min()
    table.append("")
    table.append("Largest gap between groups (max - min): "
                 + ", ".join(f"{c} {spread[c]:.3f}" for c in rates) + ".")
    texts = [
        ("Model details", notes.get("Model details", "Not documented.")),
        ("Intended use", intended_use),
        ("Factors", "Groups: " + ", ".join(map(str, metrics_by_group.index))),
        ("Metrics", "count, selection_rate, tpr, fpr and accuracy for every group."),
        ("Evaluation data", notes.get("Evaluation data", "Not documented.")),
        ("Training data", notes.get("Training data", "Not documented.")),
        ("Quantitative analyses", "\\n".join(table)),
        ("Ethical considerations", notes.get("Ethical considerations", "Not documented.")),
        ("Caveats and recommendations", limitations),
    ]
    sections = [f"## {title}\\n\\n{text}" for title, text in texts]
    return f"# Model card: {name}\\n\\n" + "\\n\\n".join(sections)"""),
    # multiple choice
    Mutant("MC_BIAS_SOURCES", "set of a string",
           'MC_BIAS_SOURCES = {"a", "b", "d", "f"}', 'MC_BIAS_SOURCES = set("abdf")'),
    Mutant("MC_HARMS", "letters in another order, from a list",
           'MC_HARMS = {"a", "b", "d"}', 'MC_HARMS = set(["d", "a", "b"])'),
    Mutant("MC_FAIRNESS_CRITERIA", "letters in another order",
           'MC_FAIRNESS_CRITERIA = {"a", "b", "d", "e", "f"}',
           'MC_FAIRNESS_CRITERIA = {"f", "e", "d", "b", "a"}'),
    Mutant("MC_PROXIES", "frozenset",
           'MC_PROXIES = {"b", "c", "d"}', 'MC_PROXIES = frozenset("dcb")'),
    Mutant("MC_IMPOSSIBILITY", "set of a list",
           'MC_IMPOSSIBILITY = {"a", "c", "d"}', 'MC_IMPOSSIBILITY = set(["d", "a", "c"])'),
    Mutant("MC_PRIVACY", "set of a string",
           'MC_PRIVACY = {"a", "b", "d"}', 'MC_PRIVACY = set("bda")'),
    Mutant("MC_RESPONSIBLE_AI", "letters in another order, single quotes",
           'MC_RESPONSIBLE_AI = {"a", "b", "d", "e"}', "MC_RESPONSIBLE_AI = {'e', 'd', 'b', 'a'}"),
    Mutant("MC_MITIGATION", "set comprehension",
           'MC_MITIGATION = {"a", "b", "c", "e"}', 'MC_MITIGATION = {letter for letter in "abce"}'),
]
