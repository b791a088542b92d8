// Running total on an approval ballot. The server checks the budget again; this only helps.
(function () {
  const total = document.getElementById("total");
  if (!total) return;
  const budget = Number(total.dataset.budget);
  const boxes = Array.from(document.querySelectorAll('input[name="pick"]'));
  const pounds = new Intl.NumberFormat("en-GB", { style: "currency", currency: "GBP", maximumFractionDigits: 0 });
  function update() {
    const sum = boxes.filter((b) => b.checked).reduce((acc, b) => acc + Number(b.dataset.cost), 0);
    total.textContent = pounds.format(sum) + (sum > budget ? " (over budget: untick something)" : "");
    total.classList.toggle("over", sum > budget);
  }
  boxes.forEach((b) => b.addEventListener("change", update));
  update();
})();
