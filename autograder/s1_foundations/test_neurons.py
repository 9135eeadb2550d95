import torch
from dlcore.grading import exercise, check_tensor, rng

F = ["torch.sigmoid", "torch.Tensor.sigmoid", "torch.special.expit", "torch.nn.functional.sigmoid"]

@exercise("sigmoid", points=1, forbid=F)
def test_sigmoid_values(student):
    x = torch.randn(3, 5, generator=rng(0))
    check_tensor(student.sigmoid(x), torch.sigmoid(x.double()), "sigmoid(x)")

@exercise("sigmoid", points=1, forbid=F)
def test_sigmoid_stable(student):
    x = torch.tensor([-1e4, -50.0, 0.0, 50.0, 1e4])
    check_tensor(student.sigmoid(x), torch.sigmoid(x.double()), "sigmoid at |x| up to 1e4")
