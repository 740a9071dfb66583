#!/usr/bin/env python3
"""Writes the CIS CloudWatch.1-14 metric filters and alarms of tests/data/deployed/aws-*.json
the way Terraform and CloudFormation write them, so every --config kind is tested on the same
14 filters and alarms:

- terraform-state.json: `terraform show -json` of a state (a `cis` child module, resources with
  for_each keys; unset attributes hold the AWS provider's zero values: "", 0, []);
- terraform-plan.json: `terraform show -json` of a saved plan (`planned_values`; unset
  attributes are null; what is known only after apply, arn and id, is absent);
- cloudformation.yaml: a template with short-form tags (!Ref, !Sub, !If, !FindInMap) resolved
  through Parameters' defaults, Mappings and Conditions;
- cloudformation.json: the same template in JSON with the long-form functions.

usage: python3 scripts/gen-deployed-fixtures.py   (from the repository root)
"""
import json

D = "tests/data/deployed"


def documents(path):
    text, dec, docs, i = open(path, encoding="utf-8").read(), json.JSONDecoder(), [], 0
    while True:
        rest = text[i:].lstrip()
        if not rest:
            return docs
        doc, n = dec.raw_decode(rest)
        docs.append(doc)
        i = len(text) - len(rest) + n


filters = [f for d in documents(f"{D}/aws-describe-metric-filters.json") for f in d["metricFilters"]]
alarms = [a for d in documents(f"{D}/aws-describe-alarms.json") for a in d["MetricAlarms"]]
assert len(filters) == 14 and len(alarms) == 14
by_metric = {f["metricTransformations"][0]["metricName"]: f for f in filters}
pairs = [(by_metric[a["MetricName"]], a) for a in alarms]
LOG_GROUP = filters[0]["logGroupName"]
TOPIC = "arn:aws:sns:us-east-1:123456789012:cis-alarms"
PROVIDER = "registry.terraform.io/hashicorp/aws"


def tf_filter(f, key, plan):
    t = f["metricTransformations"][0]
    values = {
        "log_group_name": LOG_GROUP,
        "metric_transformation": [{
            "default_value": None if plan else "",
            "dimensions": None if plan else {},
            "name": t["metricName"],
            "namespace": t["metricNamespace"],
            "unit": "None",
            "value": t["metricValue"],
        }],
        "name": f["filterName"],
        "pattern": f["filterPattern"],
    }
    if not plan:
        values["id"] = f["filterName"]
        values["apply_on_transformed_logs"] = False
    return resource("aws_cloudwatch_log_metric_filter", "this", key, values)


def tf_alarm(a, key, plan):
    unset_text, unset_count = (None, None) if plan else ("", 0)
    values = {
        "actions_enabled": True,
        "alarm_actions": [TOPIC],
        "alarm_description": a["AlarmDescription"],
        "alarm_name": a["AlarmName"],
        "comparison_operator": a["ComparisonOperator"],
        "datapoints_to_alarm": a.get("DatapointsToAlarm", unset_count),
        "dimensions": None if plan else {},
        "evaluate_low_sample_count_percentiles": unset_text,
        "evaluation_periods": a["EvaluationPeriods"],
        "extended_statistic": unset_text,
        "insufficient_data_actions": None if plan else [],
        "metric_name": a["MetricName"],
        "metric_query": [],
        "namespace": a["Namespace"],
        "ok_actions": None if plan else [],
        "period": a["Period"],
        "statistic": a["Statistic"],
        "tags": None,
        "threshold": a["Threshold"],
        "threshold_metric_id": unset_text,
        # The provider's schema default, in a plan too.
        "treat_missing_data": a.get("TreatMissingData", "missing"),
        "unit": unset_text,
    }
    if not plan:
        values["arn"] = a["AlarmArn"]
        values["id"] = a["AlarmName"]
        values["tags_all"] = {}
    return resource("aws_cloudwatch_metric_alarm", "this", key, values)


def resource(rtype, name, key, values):
    return {
        "address": f'module.cis.{rtype}.{name}["{key}"]',
        "mode": "managed",
        "type": rtype,
        "name": name,
        "index": key,
        "provider_name": PROVIDER,
        "schema_version": 1 if rtype == "aws_cloudwatch_metric_alarm" else 0,
        "values": values,
        "sensitive_values": {},
    }


def terraform(plan):
    resources = []
    for f, a in pairs:
        key = a["MetricName"]
        resources.append(tf_filter(f, key, plan))
        resources.append(tf_alarm(a, key, plan))
    resources.sort(key=lambda r: r["address"])
    root = {
        "resources": [{
            "address": "aws_sns_topic.cis",
            "mode": "managed",
            "type": "aws_sns_topic",
            "name": "cis",
            "provider_name": PROVIDER,
            "schema_version": 0,
            "values": {"name": "cis-alarms"},
            "sensitive_values": {},
        }],
        "child_modules": [{"address": "module.cis", "resources": resources}],
    }
    if plan:
        return {
            "format_version": "1.2",
            "terraform_version": "1.9.8",
            "planned_values": {"root_module": root},
            "resource_changes": [],
            "configuration": {"provider_config": {"aws": {"name": "aws", "full_name": PROVIDER}}},
        }
    return {"format_version": "1.0", "terraform_version": "1.9.8",
            "values": {"root_module": root}}


def cfn_yaml():
    out = [
        "AWSTemplateFormatVersion: '2010-09-09'",
        "Description: CIS AWS Foundations CloudWatch.1-14 metric filters and alarms",
        "Parameters:",
        "  CloudTrailLogGroupName:",
        "    Type: String",
        f"    Default: {LOG_GROUP}",
        "  Namespace:",
        "    Type: String",
        "    Default: CISBenchmark",
        "  Environment:",
        "    Type: String",
        "    Default: prod",
        "    AllowedValues: [prod, dev]",
        "  AlarmTopicArn:",
        "    Type: String",
        "    Description: No default; alarm actions are not needed to replay.",
        "Mappings:",
        "  Evaluation:",
        "    prod: {Period: 300}",
        "    dev: {Period: 60}",
        "Conditions:",
        "  IsProd: !Equals [!Ref Environment, prod]",
        "Resources:",
    ]
    for f, a in pairs:
        m = a["MetricName"]
        t = f["metricTransformations"][0]
        out += [
            f"  {m}MetricFilter:",
            "    Type: AWS::Logs::MetricFilter",
            "    Properties:",
            f"      FilterName: {f['filterName']}",
            "      LogGroupName: !Ref CloudTrailLogGroupName",
            f"      FilterPattern: {json.dumps(f['filterPattern'])}",
            "      MetricTransformations:",
            f"        - MetricName: {t['metricName']}",
            "          MetricNamespace: !Ref Namespace",
            f"          MetricValue: '{t['metricValue']}'",
            f"  {m}Alarm:",
            "    Type: AWS::CloudWatch::Alarm",
            "    Properties:",
            f"      AlarmName: {a['AlarmName']}",
            f"      AlarmDescription: {json.dumps(a['AlarmDescription'])}",
            f"      MetricName: {m}",
            "      Namespace: !Sub '${Namespace}'",
            f"      Statistic: {a['Statistic']}",
            "      Period: !FindInMap [Evaluation, !Ref Environment, Period]",
            f"      EvaluationPeriods: {a['EvaluationPeriods']}",
        ]
        if "DatapointsToAlarm" in a:
            out.append(f"      DatapointsToAlarm: '{a['DatapointsToAlarm']}'")
        out += [
            f"      Threshold: {a['Threshold']:g}",
            f"      ComparisonOperator: {a['ComparisonOperator']}",
        ]
        if "TreatMissingData" in a:
            out.append(f"      TreatMissingData: !If [IsProd, {a['TreatMissingData']}, !Ref AWS::NoValue]")
        out.append("      AlarmActions: [!Ref AlarmTopicArn]")
    return "\n".join(out) + "\n"


def cfn_json():
    resources = {}
    for f, a in pairs:
        m = a["MetricName"]
        t = f["metricTransformations"][0]
        resources[f"{m}MetricFilter"] = {
            "Type": "AWS::Logs::MetricFilter",
            "Properties": {
                "FilterName": f["filterName"],
                "LogGroupName": {"Ref": "CloudTrailLogGroupName"},
                "FilterPattern": f["filterPattern"],
                "MetricTransformations": [{
                    "MetricName": t["metricName"],
                    "MetricNamespace": {"Ref": "Namespace"},
                    "MetricValue": t["metricValue"],
                }],
            },
        }
        props = {
            "AlarmName": {"Fn::Join": ["-", ["CIS", a["AlarmName"][len("CIS-"):]]]},
            "AlarmDescription": a["AlarmDescription"],
            "MetricName": m,
            "Namespace": {"Ref": "Namespace"},
            "Statistic": a["Statistic"],
            "Period": str(a["Period"]),
            "EvaluationPeriods": str(a["EvaluationPeriods"]),
            "Threshold": str(a["Threshold"]),
            "ComparisonOperator": a["ComparisonOperator"],
            "AlarmActions": [{"Fn::GetAtt": ["AlarmTopic", "TopicArn"]}],
        }
        if "DatapointsToAlarm" in a:
            props["DatapointsToAlarm"] = a["DatapointsToAlarm"]
        if "TreatMissingData" in a:
            props["TreatMissingData"] = a["TreatMissingData"]
        resources[f"{m}Alarm"] = {"Type": "AWS::CloudWatch::Alarm", "Properties": props}
    resources["AlarmTopic"] = {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "cis-alarms"}}
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": {
            "CloudTrailLogGroupName": {"Type": "String", "Default": LOG_GROUP},
            "Namespace": {"Type": "String", "Default": "CISBenchmark"},
        },
        "Resources": resources,
    }


def write_json(name, doc):
    with open(f"{D}/{name}", "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
        f.write("\n")


write_json("terraform-state.json", terraform(plan=False))
write_json("terraform-plan.json", terraform(plan=True))
open(f"{D}/cloudformation.yaml", "w", encoding="utf-8").write(cfn_yaml())
write_json("cloudformation.json", cfn_json())
