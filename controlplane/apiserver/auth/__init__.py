"""Who is calling and what they may do: authentication, authorization and admission of every request.

One interface for every listener (gRPC today, REST later): authenticate(...) -> UserInfo, authorize(...).
"""
