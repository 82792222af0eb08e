"""A small image classifier trained the way PyTorch's tutorials and examples write it.

Written for PyTorch, unchanged for funcgrad: tests/test_torch_script.py runs it with ``torch`` and again with
``import funcgrad as torch`` standing in for it, from the same initial weights, and compares the losses. The data
are random (NumPy, seeded), so both runs see the same batches.

    python tests/data/torch_style_train.py --epochs 2 --out losses.json
"""
import argparse
import json

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.optim.lr_scheduler import OneCycleLR, StepLR
from torch.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self, num_classes=4, dropout=0.25):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(6)
        self.conv2 = nn.Conv2d(6, 8, 3)
        self.pool = nn.MaxPool2d(2)
        self.dropout = nn.Dropout(dropout)
        self.fc1 = nn.Linear(8 * 2 * 2, 16)
        self.fc2 = nn.Linear(16, num_classes)

    def forward(self, x):
        x = self.pool(F.relu(self.bn1(self.conv1(x))))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = self.dropout(F.relu(self.fc1(x)))
        return self.fc2(x)


def make_data(n, seed, dtype):
    rng = np.random.default_rng(seed)
    images = rng.standard_normal((n, 1, 12, 12))
    labels = rng.integers(0, 4, size=n)
    images[np.arange(n), 0, labels * 3, labels * 3] += 3.0  # a learnable hint: a bright pixel per class
    return TensorDataset(torch.from_numpy(images).to(dtype), torch.from_numpy(labels))


def train(model, device, loader, optimizer, scheduler, criterion, args, log):
    model.train()
    for data, target in loader:
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad(set_to_none=True)
        output = model(data)
        loss = criterion(output, target)
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), args.max_norm)
        optimizer.step()
        if args.scheduler == "onecycle":
            scheduler.step()
        log["loss"].append(loss.item())
        log["grad_norm"].append(float(norm))
        log["lr"].append(optimizer.param_groups[0]["lr"])


def evaluate(model, device, loader):
    model.eval()
    test_loss, correct = 0.0, 0
    with torch.no_grad():
        for data, target in loader:
            data, target = data.to(device), target.to(device)
            output = model(data)
            test_loss += F.cross_entropy(output, target, reduction="sum").item()
            pred = output.argmax(dim=1, keepdim=True)
            correct += pred.eq(target.view_as(pred)).sum().item()
    return test_loss / len(loader.dataset), correct


def main(argv=None):
    parser = argparse.ArgumentParser(description="a small CNN on random images")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--lr", type=float, default=1e-2)
    parser.add_argument("--max-norm", type=float, default=1.0)
    parser.add_argument("--dropout", type=float, default=0.25)
    parser.add_argument("--scheduler", choices=["onecycle", "step"], default="onecycle")
    parser.add_argument("--double", action="store_true", help="train in float64")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--save-init", help="save the initial weights here (safetensors, with PyTorch)")
    parser.add_argument("--load-init", help="start from these weights (a safetensors file)")
    parser.add_argument("--checkpoint", default="model.pt")
    parser.add_argument("--out", help="write the losses here (JSON)")
    args = parser.parse_args(argv)

    torch.manual_seed(args.seed)
    device = torch.accelerator.current_accelerator() if torch.accelerator.is_available() else torch.device("cpu")
    torch.backends.cudnn.benchmark = True
    if args.double:
        torch.set_default_dtype(torch.float64)
    dtype = torch.get_default_dtype()

    # no shuffling: a shuffled order comes from each library's own generator, and the two runs must match
    train_loader = DataLoader(make_data(64, 0, dtype), batch_size=args.batch_size, shuffle=False)
    test_loader = DataLoader(make_data(32, 1, dtype), batch_size=args.batch_size)

    model = Net(dropout=args.dropout).to(device)
    if args.save_init:
        from safetensors.torch import save_file
        save_file({k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}, args.save_init)
    if args.load_init:
        from safetensors.numpy import load_file
        model.load_state_dict({k: torch.from_numpy(v) for k, v in load_file(args.load_init).items()})

    criterion = nn.CrossEntropyLoss()
    optimizer = optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-2)
    if args.scheduler == "onecycle":
        scheduler = OneCycleLR(optimizer, max_lr=args.lr, epochs=args.epochs, steps_per_epoch=len(train_loader))
    else:
        scheduler = StepLR(optimizer, step_size=1, gamma=0.7)

    log = {"loss": [], "grad_norm": [], "lr": [], "test_loss": [], "correct": []}
    for epoch in range(1, args.epochs + 1):
        train(model, device, train_loader, optimizer, scheduler, criterion, args, log)
        test_loss, correct = evaluate(model, device, test_loader)
        log["test_loss"].append(test_loss)
        log["correct"].append(correct)
        print(f"epoch {epoch}: train loss {log['loss'][-1]:.4f}, test loss {test_loss:.4f}, "
              f"accuracy {correct}/{len(test_loader.dataset)}")
        if args.scheduler == "step":
            scheduler.step()

    torch.save(model.state_dict(), args.checkpoint)
    restored = Net(dropout=args.dropout).to(device)
    restored.load_state_dict(torch.load(args.checkpoint, map_location=device, weights_only=True))
    log["restored"] = list(evaluate(restored, device, test_loader))

    if args.out:
        with open(args.out, "w") as f:
            json.dump(log, f)


if __name__ == "__main__":
    main()
