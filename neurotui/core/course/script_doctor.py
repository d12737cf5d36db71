"""The doctor as the generated script writes it: plain Python at the end of core/course/script.py's output.

It is core/doctor/diagnosis.py's diagnose() (with core/doctor/symptoms.py's checks) transcribed
for a reader: the same checks in the same order, the same words. Two parts:
DOCTOR_MEASURE reads the finished model (how far the weights moved, the last
gradient, where a nan sits, PyTorch's error); DOCTOR_VERDICT turns those plain
values into the line `neurotui lab` prints. tests/test_script.py runs
DOCTOR_VERDICT against diagnose() on the same symptoms so the two never drift.
"""

DOCTOR_MEASURE = '''\
# neurotui's doctor: the line `neurotui lab` adds when XOR is not solved. It reads only
# what this run showed: the losses, the outputs, the last gradient, how far the weights moved.
probs = prob.squeeze(1).tolist()
with torch.no_grad():
    start_all = torch.cat([s.reshape(-1) for s in start])
    now_all = torch.cat([p.reshape(-1) for p in model.parameters()])
    moved = ((now_all - start_all).norm() / start_all.norm()).item()
    grads = [p.grad.reshape(-1) for p in model.parameters() if p.grad is not None]
    grad_norm = torch.cat(grads).norm().item() if grads else None
where = None  # the first layer holding a non-finite weight or gradient
for i, layer in enumerate([m for m in model.modules() if isinstance(m, nn.Linear)], start=1):
    for name, plural in (("weight", "weights"), ("bias", "biases")):
        p = getattr(layer, name)
        if where is None and not torch.isfinite(p).all():
            where = f"layer {i} {plural}"
        if where is None and p.grad is not None and not torch.isfinite(p.grad).all():
            where = f"layer {i} {name} gradients"
nonfinite = None
if error is not None and (where or not torch.isfinite(prob).all()):
    nonfinite, error = where or "the model output", None  # BCELoss refused a nan, not a mistake
elif losses and not math.isfinite(losses[-1]):
    nonfinite = where or "the loss"
if error is not None:
    lines = str(error).strip().splitlines()
    error = f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__
    print(f"stopped at step {len(losses) + 1}: {error}")
'''

DOCTOR_VERDICT = '''\
targets = [0.0, 1.0, 1.0, 0.0]
preds = [1.0 if p >= 0.5 else 0.0 for p in probs]
last = losses[-1] if losses else math.nan
ln2 = math.log(2.0)
verdict = None  # (symptom, what it means, the checklist's fix); None when XOR is solved
if error is not None:
    if "between 0 and 1" in error.lower():
        finite = [p for p in probs if p == p]
        span = f"{min(finite):.3f} to {max(finite):.3f}" if finite else "nan"
        verdict = ("output activation and loss do not pair",
                   f"PyTorch stopped the run at step {len(losses) + 1}: BCELoss takes probabilities in [0, 1], "
                   f"but the model's outputs run from {span}, so they are not probabilities",
                   "check output activation and loss pair: end the model with nn.Sigmoid() for BCELoss")
    elif "size" in error.lower() or "shape" in error.lower():
        verdict = ("output shape error",
                   f"PyTorch stopped the run at step {len(losses) + 1}: "
                   "the target's shape differs from the prediction's",
                   "use target shape [batch, 1] for this binary example")
    else:
        verdict = ("PyTorch raised an error", f"the run stopped at step {len(losses) + 1}: {error}",
                   "read the error's first line: it names the operation that failed")
elif nonfinite or not math.isfinite(last) or not all(math.isfinite(p) for p in probs):
    verdict = ("values became nan/inf",
               f"unstable training: a non-finite value appeared{f' in {nonfinite}' if nonfinite else ''}; "
               "the run was stopped",
               "lower the learning rate and check inputs")
elif preds == targets:
    verdict = None
elif last > 5.0 and any(pr != t and (p < 1e-6 or p > 1 - 1e-6) for p, pr, t in zip(probs, preds, targets)):
    verdict = ("saturated (blown up)",
               "outputs pinned at exactly 0 or 1 on the wrong side; BCELoss clamps at 100 per row, "
               f"so the loss sits at {last:.4g} instead of nan",
               "lower the learning rate")
elif len(losses) >= 2 and moved == 0 and grad_norm:
    verdict = ("loss does not decrease",
               f"the weights never changed in {len(losses)} steps although the gradients are not zero "
               f"(norm {grad_norm:.3g}): no update is applied, so the loss stays at {last:.4g}",
               "check whether optimizer.step() is running")
elif len(losses) >= 2 and losses[0] > 0 and last > losses[0] * (1 - 0.05) and 0 < moved < 0.10:
    verdict = ("loss does not decrease",
               f"in {len(losses)} steps the loss went only from {losses[0]:.4g} to {last:.4g} "
               f"({(last - losses[0]) / losses[0]:+.1%}) and the weights moved {moved:.1%} of their size: "
               "every step is tiny",
               "learning rate too low: raise it; check output activation and loss pair")
elif linear:
    verdict = ("cannot separate XOR",
               "with no hidden activation the layers collapse into one linear map; no straight "
               f"line splits XOR, so the best it can do is p = 0.5 (loss {last:.4f}, ln 2 = {ln2:.4f})",
               "add a nonlinear hidden activation (tanh or relu)")
elif all(abs(p - 0.5) < 0.1 for p in probs):
    verdict = ("probabilities all near 0.5", f"the model is not learning (loss {last:.4f}, ln 2 = {ln2:.4f})",
               "train longer, inspect gradients, change hidden size")
elif len(losses) > 1 and last >= losses[0] * 0.99:
    verdict = ("loss does not decrease", f"loss went from {losses[0]:.4g} to {last:.4g}",
               "lower the learning rate (or raise it if tiny); check the output activation and loss pair")
else:
    wrong = sum(p != t for p, t in zip(preds, targets))
    verdict = ("stuck: not all four rows correct", f"training ended with {wrong} of 4 rows wrong, loss {last:.4g}",
               "train longer, try another seed, or add hidden units")
if verdict:
    print(f"diagnosis: {verdict[0]}: {verdict[1]}; fix: {verdict[2]}")
'''
