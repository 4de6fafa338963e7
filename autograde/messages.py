"""Every French wording of a grading failure that is not a check's verdict, written once.

The checks word their own verdicts (autograde/checking.py, the catalogues of mistakes); these are the
grader's words for what happened around them: time, memory, a crash, a notebook not handed in.
"""

from __future__ import annotations

# Error names the grader writes in a graded cell's outputs (nbgrader scores a cell with an error 0).
CHECK_FAILED = "HiddenTestFailure"
KERNEL_DIED = "KernelDied"
KERNEL_STUCK = "KernelStuck"
NOT_RUN = "CellNotRun"
TIME_BUDGET = "TimeBudgetSpent"
MESSAGE_REFUSED = "MessageRefused"
GRADER_ERRORS = (CHECK_FAILED, KERNEL_DIED, KERNEL_STUCK, NOT_RUN, TIME_BUDGET, MESSAGE_REFUSED)


def kernel_died() -> str:
    return (
        "Le noyau Python s'est arrêté pendant cette cellule (arrêt brutal comme os._exit, plantage, ou mémoire "
        "épuisée). Il a été redémarré pour la suite de la correction."
    )


def kernel_stuck(timeout: int) -> str:
    return (
        f"Cette cellule a dépassé la limite de temps ({timeout} s) et ne s'est pas arrêtée à l'interruption : "
        "le noyau a été redémarré pour la suite de la correction."
    )


def time_limit(timeout: int | None) -> str:
    limit = f" ({timeout} s)" if timeout else ""
    return f"Le test a dépassé la limite de temps{limit} et a été interrompu : boucle infinie ?"


def time_budget_spent(cell: str, budget: int) -> str:
    return (
        f"Le temps de calcul de ce notebook ({budget} s en tout, redémarrages du noyau compris) a été épuisé "
        f"pendant la cellule « {cell} » : les cellules suivantes n'ont pas été exécutées, 0 point."
    )


def message_refused(reason: str) -> str:
    return (
        f"Cette cellule a envoyé au correcteur un message refusé ({reason}) : 0 point pour cette cellule, "
        "la correction continue."
    )


def outputs_dropped(scope: str) -> str:
    where = "de cette cellule" if scope == "cell" else "de ce notebook"
    return (
        f"[Sorties supprimées : la limite des sorties {where} (nombre, texte ou images) est atteinte ; "
        "les sorties suivantes ne sont pas conservées. La correction continue.]\n"
    )


def not_run() -> str:
    return "Ce test n'a pas pu être exécuté (le noyau Python ne répondait plus) : 0 point."


def memory() -> str:
    return "Le test a dépassé la limite de mémoire du noyau (MemoryError) : allocation sans fin ?"


def self_check_failed(ename: str, evalue: str) -> str:
    return f"Erreur {ename} : {evalue}".strip()


# A graded cell scores only when its hidden checks passed AND its visible self-check raised nothing.
HIDDEN_PASSED_VISIBLE_FAILED = (
    "Tests cachés réussis, mais le test visible de cette cellule a échoué : 0 point tant "
    "qu'il échoue. Votre fonction donne les bons résultats sur les cas cachés ; c'est "
    "l'assertion visible de la cellule qui n'est pas vérifiée : lisez son message "
    "(ci-après) et corrigez ce qu'il signale."
)


def hidden_passed_visible_failed(verdicts: list[str]) -> str:
    """The top of a graded cell whose hidden checks passed and whose visible self-check failed: no ✔."""
    return "\n".join(["✘ " + HIDDEN_PASSED_VISIBLE_FAILED] + [f"(Test caché : {verdict})" for verdict in verdicts])


def wrote_to_stderr(text: str) -> str:
    return "Le test a écrit sur la sortie d'erreur : " + text[:300]


def no_verdict() -> str:
    return "Cellule non notée (aucun verdict du correcteur) : 0 point."


def notebook_not_graded(notebook: str) -> str:
    return f"Notebook {notebook}.ipynb non corrigé : il n'a pas pu être lu ou exécuté."


def notebook_not_handed_in(notebook: str) -> str:
    return f"Notebook {notebook}.ipynb non rendu."


def cell_missing() -> str:
    return "Cellule de test absente du notebook corrigé."


def also_interrupted(cells: list[str]) -> str:
    return (
        " (Dans ce notebook, la limite de temps a interrompu la cellule " + ", ".join(f"« {c} »" for c in cells) + ".)"
    )


def answer_not_written() -> str:
    return "Réponse écrite non rédigée : 0 point."


def graded_by_hand() -> str:
    return "Noté à la main par l'enseignant (voir son commentaire dans le retour)."


UNVERIFIED = "non vérifié"  # a grade computed without the sandbox: the student's code could have reached the grader
MANUAL_PENDING = "à corriger à la main"
