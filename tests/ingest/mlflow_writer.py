"""Writes a fresh MLflow file store with the real ``mlflow`` package (mlflow-skinny, from the test extra).

Run as a child process by ``test_mlflow_real.py`` (``python mlflow_writer.py DIR``) so that importing MLflow never
touches the test process. Telemetry is off and the file store is allowed explicitly (MLflow 3 keeps it in
maintenance mode)."""

from __future__ import annotations

import sys
import time


def main(root: str) -> None:
    import mlflow
    from mlflow import MlflowClient

    uri = f"file://{root}/mlruns"
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    mlflow.set_experiment("fast-loop")
    mlflow.set_experiment_tag("team", "risk-analytics")
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)

    class Echo(mlflow.pyfunc.PythonModel):
        def predict(self, context, model_input, params=None):  # noqa: ANN001, ARG002
            return model_input

    with mlflow.start_run(run_name="loop") as run:
        mlflow.set_tag("mlflow.user", "a.analyst")
        mlflow.log_param("learning_rate", 0.01)
        started = time.time()
        for step in range(200):  # a training loop: 200 steps well inside two seconds
            mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
        assert time.time() - started < 30
        mlflow.pyfunc.log_model(name="model", python_model=Echo(), registered_model_name="churn-fast")
    gone = mlflow.start_run(run_name="abandoned")
    mlflow.log_metric("loss", 9.0, step=0)
    mlflow.end_run()
    client.delete_run(gone.info.run_id)
    print(run.info.run_id, gone.info.run_id)


if __name__ == "__main__":
    main(sys.argv[1])
